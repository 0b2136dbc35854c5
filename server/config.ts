import { z } from 'zod';

/**
 * Every setting of every process, read from the environment through one schema.
 * This is the only module that reads `process.env`; everything else receives a frozen slice.
 */

const emptyToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());

const optionalUrl = (protocols: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
      .optional(),
  );

const intInRange = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

const numberInRange = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().min(min).max(max).default(def));

const boolFlag = (def: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

/** Five-field cron: minute hour day-of-month month day-of-week. */
const cronExpression = z
  .string()
  .trim()
  .refine((s) => s.split(/\s+/).length === 5 && /^[0-9*,/\-\sA-Za-z]+$/.test(s), 'must be a five-field cron expression such as "30 18 * * 1-5"');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM in 24-hour New York time, e.g. 16:30');

/**
 * Comma-separated web origins (scheme://host[:port], exactly as a browser sends them in `Origin`)
 * allowed to call the API cross-origin.
 */
const originList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o !== ''))
    .superRefine((origins, ctx) => {
      for (const o of origins) {
        let ok = false;
        try {
          const u = new URL(o);
          ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
        } catch {
          ok = false;
        }
        if (!ok) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(o)} is not an origin; write each as scheme://host[:port] with no path or trailing slash, e.g. https://app.example.com` });
      }
    }),
);

export const EnvSchema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'test', 'production']).default('development')),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  EMBEDDED_PG_DIR: z.preprocess(emptyToUndefined, z.string().default('.data/postgres')),
  EMBEDDED_PG_PORT: intInRange(54329, 1024, 65535),
  MONGODB_URL: optionalUrl(['mongodb:', 'mongodb+srv:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  POLYGON_API_KEY: optionalString,
  POLYGON_BASE_URL: optionalUrl(['http:', 'https:']),
  POLYGON_PLAN: z.preprocess(emptyToUndefined, z.enum(['free', 'paid']).default('free')),
  POLYGON_CALLS_PER_MINUTE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100_000).optional()),
  POLYGON_CALLS_PER_SECOND: numberInRange(50, 0.1, 1000),
  POLYGON_MAX_CONCURRENT: intInRange(8, 1, 256),
  POLYGON_MAX_RETRIES: intInRange(4, 0, 20),
  POLYGON_TIMEOUT_MS: intInRange(30_000, 100, 600_000),
  POLYGON_SIM_PORT: intInRange(4010, 0, 65535),
  POLYGON_SIM_API_KEY: optionalString,
  ADMIN_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(16, 'must be at least 16 characters (it is the admin password of the API)').optional(),
  ),
  PORT: intInRange(3000, 0, 65535),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  CORS_ORIGINS: originList,
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  BATCH_CRON: z.preprocess(emptyToUndefined, cronExpression.default('30 18 * * 1-5')),
  BATCH_TIMEZONE: z.preprocess(emptyToUndefined, z.string().default('America/New_York')),
  CLOSE_CUTOFF: z.preprocess(emptyToUndefined, hhmm.default('16:30')),
  LOCK_LIFETIME_MS: intInRange(5 * 60_000, 1_000, 24 * 3600_000),
  PROCESS_EVERY_MS: intInRange(5_000, 200, 600_000),
  WORKER_CONCURRENCY: intInRange(2, 1, 64),
  CHUNK_SIZE: intInRange(50, 1, 10_000),
  SWEEP_EVERY_MS: intInRange(60_000, 1_000, 3600_000),
  SHUTDOWN_DRAIN_MS: intInRange(30_000, 0, 600_000),
  HEARTBEAT_EVERY_MS: intInRange(2_000, 200, 60_000),
  TRIGGER_LIMIT_PER_MINUTE: intInRange(10, 1, 10_000),
  SCHEDULE_NIGHTLY: boolFlag(true),
  WORKER_METRICS_PORT: intInRange(9464, 0, 65535),
  WORKER_METRICS_HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface PolygonConfig {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  plan: 'free' | 'paid';
  callsPerMinute: number | undefined;
  callsPerSecond: number;
  maxConcurrent: number;
  maxRetries: number;
  timeoutMs: number;
  simPort: number;
  /** Key the standalone simulator demands (none when unset). */
  simApiKey: string | undefined;
}

export interface Config {
  env: Env['NODE_ENV'];
  database: { url: string | undefined; embeddedDir: string; embeddedPort: number };
  mongoUrl: string | undefined;
  redisUrl: string | undefined;
  polygon: PolygonConfig;
  api: { port: number; host: string; adminToken: string | undefined; triggerLimitPerMinute: number; corsOrigins: readonly string[] };
  log: { level: Env['LOG_LEVEL'] };
  /** Where a worker process serves /metrics (port 0: any free port). */
  workerMetrics: { port: number; host: string };
  batch: {
    cron: string;
    timezone: string;
    closeCutoff: string;
    lockLifetimeMs: number;
    processEveryMs: number;
    concurrency: number;
    chunkSize: number;
    sweepEveryMs: number;
    shutdownDrainMs: number;
    scheduleNightly: boolean;
    /** How often a worker beats; it counts as live for three intervals after its last beat. */
    heartbeatEveryMs: number;
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Parses an environment (default: the process's) into the frozen configuration, or throws a ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        const raw = source[key];
        const shown = ['POLYGON_API_KEY', 'POLYGON_SIM_API_KEY', 'ADMIN_TOKEN'].includes(key) ? '(hidden)' : JSON.stringify(raw);
        return `${key}=${shown}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  return deepFreeze({
    env: e.NODE_ENV,
    database: { url: e.DATABASE_URL, embeddedDir: e.EMBEDDED_PG_DIR, embeddedPort: e.EMBEDDED_PG_PORT },
    mongoUrl: e.MONGODB_URL,
    redisUrl: e.REDIS_URL,
    polygon: {
      apiKey: e.POLYGON_API_KEY,
      baseUrl: e.POLYGON_BASE_URL,
      plan: e.POLYGON_PLAN,
      callsPerMinute: e.POLYGON_CALLS_PER_MINUTE,
      callsPerSecond: e.POLYGON_CALLS_PER_SECOND,
      maxConcurrent: e.POLYGON_MAX_CONCURRENT,
      maxRetries: e.POLYGON_MAX_RETRIES,
      timeoutMs: e.POLYGON_TIMEOUT_MS,
      simPort: e.POLYGON_SIM_PORT,
      simApiKey: e.POLYGON_SIM_API_KEY,
    },
    api: { port: e.PORT, host: e.HOST, adminToken: e.ADMIN_TOKEN, triggerLimitPerMinute: e.TRIGGER_LIMIT_PER_MINUTE, corsOrigins: e.CORS_ORIGINS },
    log: { level: e.LOG_LEVEL },
    workerMetrics: { port: e.WORKER_METRICS_PORT, host: e.WORKER_METRICS_HOST },
    batch: {
      cron: e.BATCH_CRON,
      timezone: e.BATCH_TIMEZONE,
      closeCutoff: e.CLOSE_CUTOFF,
      lockLifetimeMs: e.LOCK_LIFETIME_MS,
      processEveryMs: e.PROCESS_EVERY_MS,
      concurrency: e.WORKER_CONCURRENCY,
      chunkSize: e.CHUNK_SIZE,
      sweepEveryMs: e.SWEEP_EVERY_MS,
      shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
      scheduleNightly: e.SCHEDULE_NIGHTLY,
      heartbeatEveryMs: e.HEARTBEAT_EVERY_MS,
    },
  });
}
