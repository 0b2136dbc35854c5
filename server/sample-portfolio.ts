import { addTradingDays } from '../jobs/calc/trading-calendar.js';

export interface SamplePosition {
  symbol: string;
  quantity: number;
  entryPrice: number;
  entryDate: string;
  exitDate?: string;
  exitPrice?: number;
}

/**
 * Thirteen positions: eight symbols of the original failure report (three of them mutual funds the
 * vendor has no bars for) and five large US stocks; entries across the past year, one short, one sold.
 */
export function samplePositions(target: string): SamplePosition[] {
  const back = (n: number): string => addTradingDays(target, -n);
  return [
    { symbol: 'AAPL', quantity: 100, entryPrice: 180, entryDate: back(250) },
    { symbol: 'MSFT', quantity: 50, entryPrice: 400, entryDate: back(240) },
    { symbol: 'NVDA', quantity: -40, entryPrice: 120, entryDate: back(200) },
    { symbol: 'AMZN', quantity: 60, entryPrice: 170, entryDate: back(180), exitDate: back(20), exitPrice: 190 },
    { symbol: 'GOOGL', quantity: 70, entryPrice: 160, entryDate: back(150) },
    { symbol: 'GOVT', quantity: 300, entryPrice: 23, entryDate: back(120) },
    { symbol: 'IAU', quantity: 200, entryPrice: 45, entryDate: back(100) },
    { symbol: 'IEFA', quantity: 150, entryPrice: 75, entryDate: back(90) },
    { symbol: 'MUB', quantity: 100, entryPrice: 107, entryDate: back(60) },
    { symbol: 'VO', quantity: 40, entryPrice: 250, entryDate: back(40) },
    { symbol: 'GGIPX', quantity: 500, entryPrice: 20, entryDate: back(230) },
    { symbol: 'GINDX', quantity: 300, entryPrice: 30, entryDate: back(210) },
    { symbol: 'NEAIX', quantity: 250, entryPrice: 40, entryDate: back(10) },
  ];
}
