/**
 * Standalone simulator for `npm run polygon-sim`: `tsx server/polygon-sim.ts [port]`.
 * Port: argv, else POLYGON_SIM_PORT (default 4010). No key is required unless POLYGON_SIM_API_KEY is set.
 */
import { startPolygonSim } from '../jobs/market-data/polygon-sim.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const port = process.argv[2] === undefined ? config.polygon.simPort : Number(process.argv[2]);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`Invalid port ${String(process.argv[2])}: expected an integer from 0 to 65535`);
  process.exit(2);
}
const apiKey = config.polygon.simApiKey;
const sim = await startPolygonSim({ port, ...(apiKey ? { apiKey } : {}) });
console.log(
  `Polygon simulator listening on ${sim.url}, today ${sim.today()} (requests: GET ${sim.url}/__sim/requests, reset: POST ${sim.url}/__sim/reset, today: GET|POST ${sim.url}/__sim/today, announce: POST ${sim.url}/__sim/splits or /__sim/dividends)`,
);

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
