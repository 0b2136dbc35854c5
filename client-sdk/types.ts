/**
 * The API's types and nothing else: the package's types-only entry (`portfolio-batch/types`). Only
 * types come from the server (`import type`), so neither this nor the SDK carries server code.
 */
import type { TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../server/trpc/routers/_app.router.js';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RunStatusView = NonNullable<RouterOutputs['batch']['status']>;
export type OnboardInput = RouterInputs['portfolio']['onboard'];
export type OnboardResult = RouterOutputs['portfolio']['onboard'];
export type RunInput = RouterInputs['batch']['run'];
export type RunResult = RouterOutputs['batch']['run'];
export type PortfolioSummary = RouterOutputs['portfolio']['list'][number];
export type PortfolioDetail = RouterOutputs['portfolio']['get'];
export type SnapshotPage = RouterOutputs['portfolio']['snapshots'];
export type ExposureView = RouterOutputs['portfolio']['exposures'];
export type RunHistoryPage = RouterOutputs['batch']['history'];
export type IssuedToken = RouterOutputs['user']['create'];
export type TradeInput = RouterInputs['portfolio']['trade'];
export type TradeResult = RouterOutputs['portfolio']['trade'];
export type CashFlowInput = RouterInputs['portfolio']['cashFlow'];
export type CashFlowResult = RouterOutputs['portfolio']['cashFlow'];
export type ImportTradesInput = RouterInputs['portfolio']['importTrades'];
export type ImportTradesResult = RouterOutputs['portfolio']['importTrades'];
export type PositionUpdateInput = RouterInputs['position']['update'];
export type TradeView = RouterOutputs['portfolio']['trades'][number];
export type CashFlowView = RouterOutputs['portfolio']['cashFlows'][number];
export type LotView = RouterOutputs['position']['lots'][number];

export type PortfolioBatchClient = TRPCClient<AppRouter>;
