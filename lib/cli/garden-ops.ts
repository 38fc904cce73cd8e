/**
 * The status and metrics paths of a web-garden worker (`serve --workers N
 * --status-path … --metrics-path …`): whichever worker a connection reaches
 * answers for the whole garden, from one gardenStats() round over IPC.
 * Injected into lib/ops's routes by serve-command, so lib/ops stays below
 * lib/cli in the import layers.
 */
import type { AggregatorRegistry } from 'prom-client';
import type { StatusOptions } from '../ops/status';
import { gardenStats, type GardenStats } from './web-garden-stats';

type Metrics = Parameters<typeof AggregatorRegistry.aggregate>[0];

/** The garden's status report: one entry per worker slot, each with its own status() pools and stats(). */
export function gardenStatusReport(stats: GardenStats): object {
  return {
    workers: stats.workers.map(({ id, pid, status, pools, error }) => ({
      id,
      pid,
      pools: status?.pools ?? [],
      stats: pools,
      ...(error !== undefined && { error }),
    })),
  };
}

/**
 * The garden's metrics: every worker's registry summed by prom-client's
 * AggregatorRegistry (made for node:cluster,
 * https://github.com/siimon/prom-client#usage-with-nodejss-cluster-module),
 * so each scrape sees the same totals whichever worker answers. Counters and
 * histograms are sums; `iis_fastcgi_ready` is the least (1 only while every
 * worker is ready). A worker that did not answer in time is left out of
 * that scrape.
 */
export async function gardenMetricsText(stats: GardenStats): Promise<string> {
  // Each entry is a worker's own getMetricsAsJSON(), as the IPC carried it.
  const each = stats.workers.flatMap((worker) => (worker.metrics ? [worker.metrics] : []));
  // Loaded on the first scrape: a garden that is never scraped does not carry prom-client.
  const { AggregatorRegistry: Aggregator } = await import('prom-client');
  return Aggregator.aggregate(each as unknown as Metrics).metrics();
}

/** What serve-command hands serveSite() in a garden worker. */
export const gardenOpsSource = {
  status: async (options?: StatusOptions): Promise<object> =>
    gardenStatusReport(await gardenStats(undefined, { full: options?.full === true })),
  metrics: async (): Promise<string> =>
    gardenMetricsText(await gardenStats(undefined, { metrics: true })),
};
