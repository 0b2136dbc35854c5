import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.js';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.database.url).toBeUndefined();
    expect(c.polygon.plan).toBe('free');
    expect(c.api.port).toBe(3000);
    expect(c.batch.cron).toBe('30 18 * * 1-5');
    expect(c.batch.closeCutoff).toBe('16:30');
    expect(Object.isFrozen(c.batch)).toBe(true);
  });

  it('parses and coerces values', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@h:5432/db',
      POLYGON_PLAN: 'paid',
      POLYGON_CALLS_PER_SECOND: '75',
      PORT: '8080',
      SCHEDULE_NIGHTLY: 'false',
      MONGODB_URL: 'mongodb://m:27017/agenda',
    });
    expect(c.database.url).toBe('postgres://u@h:5432/db');
    expect(c.polygon.callsPerSecond).toBe(75);
    expect(c.api.port).toBe(8080);
    expect(c.batch.scheduleNightly).toBe(false);
    expect(c.mongoUrl).toBe('mongodb://m:27017/agenda');
  });

  it('reads CORS_ORIGINS as a list of exact origins and refuses anything else by name', () => {
    expect(loadConfig({}).api.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ,' }).api.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of ['https://app.example.com/', '*', 'app.example.com', 'ftp://files.example', 'https://app.example.com/ui']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(`CORS_ORIGINS=${JSON.stringify(bad)}: ${JSON.stringify(bad)} is not an origin`);
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ' }).api.port).toBe(3000);
  });

  it('names every bad variable and why, in one error', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: '99999', POLYGON_PLAN: 'gold', BATCH_CRON: 'nightly', CLOSE_CUTOFF: '4pm' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const msg = (error as Error).message;
    expect(msg).toMatch(/DATABASE_URL="mysql:\/\/x": must be a URL starting with postgres:/);
    expect(msg).toMatch(/PORT="99999"/);
    expect(msg).toMatch(/POLYGON_PLAN="gold"/);
    expect(msg).toMatch(/BATCH_CRON="nightly": must be a five-field cron/);
    expect(msg).toMatch(/CLOSE_CUTOFF="4pm": must be HH:MM/);
  });

  it('never echoes a secret in its errors', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short-secret' })).toThrow(/ADMIN_TOKEN=\(hidden\): must be at least 16/);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
});
