import { router } from '../init.js';
import { batchRouter } from './batch.router.js';
import { portfolioRouter } from './portfolio.router.js';
import { positionRouter } from './position.router.js';
import { userRouter } from './user.router.js';

export const appRouter = router({
  portfolio: portfolioRouter,
  position: positionRouter,
  batch: batchRouter,
  user: userRouter,
});

export type AppRouter = typeof appRouter;
