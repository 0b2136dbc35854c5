import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_NIGHTLY } from '../../../../jobs/definitions.js';
import { createTestDatabase, type TestDatabase } from '../../../helpers/db.js';
import { startTestStack, type TestStack } from '../../../helpers/stack.js';

describe('the nightly schedule', () => {
  let db: TestDatabase;
  let a: TestStack;
  let b: TestStack;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Two workers start against the same store: the schedule must exist once.
    [a, b] = await Promise.all([
      startTestStack({ db, env: { SCHEDULE_NIGHTLY: 'true' }, name: 'nightly-a' }),
      startTestStack({ db, env: { SCHEDULE_NIGHTLY: 'true' }, name: 'nightly-b' }),
    ]);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await db?.destroy();
  });

  it('is one repeating job at 18:30 New York time on weekdays', async () => {
    const rows = (await db.knex('agenda_jobs').where({ name: JOB_NIGHTLY })) as {
      type: string;
      repeat_interval: string;
      repeat_timezone: string;
      next_run_at: Date;
    }[];
    expect(rows).toHaveLength(1);
    const job = rows[0]!;
    expect(job).toMatchObject({ type: 'single', repeat_interval: '30 18 * * 1-5', repeat_timezone: 'America/New_York' });
    const ny = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(
      job.next_run_at,
    );
    const part = (t: string) => ny.find((p) => p.type === t)?.value;
    expect(`${part('hour')}:${part('minute')}`).toBe('18:30');
    expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(part('weekday'));
  });
});
