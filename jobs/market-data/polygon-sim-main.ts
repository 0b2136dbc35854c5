/**
 * Standalone simulator for `npm run polygon-sim`: `tsx jobs/market-data/polygon-sim-main.ts [port]`.
 * Port: argv, else POLYGON_SIM_PORT, else 4010. No key is required unless POLYGON_SIM_API_KEY is set.
 */
import { startPolygonSim } from './polygon-sim.js';

// eslint-disable-next-line no-restricted-properties -- standalone dev entry point, not part of the app's composition root
const env = process.env;
const port = Number(process.argv[2] ?? env.POLYGON_SIM_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`Invalid port ${String(process.argv[2] ?? env.POLYGON_SIM_PORT)}`);
  process.exit(2);
}
const apiKey = env.POLYGON_SIM_API_KEY;
const sim = await startPolygonSim({ port, ...(apiKey ? { apiKey } : {}) });
console.log(`Polygon simulator listening on ${sim.url} (requests: GET ${sim.url}/__sim/requests, reset: POST ${sim.url}/__sim/reset)`);

const shutdown = (): void => {
  sim.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
