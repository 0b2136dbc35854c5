/**
 * Who may see which portfolio and run. A user sees only their own; an admin sees everything.
 * Anything a user may not see is reported as not found, so ids of others' data reveal nothing.
 */
import type { Knex } from '../../db/knex.js';
import { PortfolioModel } from '../../db/models/portfolio.model.js';
import type { Principal } from './auth.js';
import { NotFoundError } from './errors.js';

/** The part of a principal that decides visibility: null = admin (everything). */
export type Viewer = { userId: string | null };

export function viewerOf(p: Principal): Viewer {
  return { userId: p.role === 'admin' ? null : p.userId };
}

/** A viewer who changes something: who may see what, and the user the change is recorded for. */
export function actorOf(p: Principal): Viewer & { requestedBy: string | null } {
  return { ...viewerOf(p), requestedBy: p.userId };
}

export interface Access {
  /** Throws NotFoundError unless the viewer may see the portfolio. */
  assertPortfolioVisible(viewer: Viewer, portfolioId: string): Promise<void>;
  /** True when a run of this scope is visible to the viewer (portfolio runs of their own portfolios). */
  runVisible(viewer: Viewer, run: { scope: 'all' | 'portfolio'; portfolioId: string | null }): Promise<boolean>;
}

/**
 * A portfolio's owner never changes, so owners are cached for the life of the process: status
 * polling then costs one indexed read for the run and none for the permission check.
 */
export function createAccess(deps: { knex: Knex; maxCached?: number }): Access {
  const owners = new Map<string, string>();
  const max = deps.maxCached ?? 100_000;

  async function ownerOf(portfolioId: string): Promise<string | undefined> {
    const hit = owners.get(portfolioId);
    if (hit) return hit;
    const row = await PortfolioModel.ownerOf(deps.knex, portfolioId);
    if (!row) return undefined;
    if (owners.size >= max) owners.clear();
    owners.set(portfolioId, row.userId);
    return row.userId;
  }

  return {
    async assertPortfolioVisible(viewer, portfolioId) {
      const owner = await ownerOf(portfolioId);
      if (!owner || (viewer.userId !== null && owner !== viewer.userId)) throw new NotFoundError('portfolio', portfolioId);
    },
    async runVisible(viewer, run) {
      if (viewer.userId === null) return true;
      if (run.scope !== 'portfolio' || !run.portfolioId) return false;
      return (await ownerOf(run.portfolioId)) === viewer.userId;
    },
  };
}
