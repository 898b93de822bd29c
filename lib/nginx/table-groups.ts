/** The optional table groups `--only` chooses from (status, methods and totals are always on). */
export const tableGroups = ["ips", "paths", "agents", "referers", "latency", "timeline"] as const;
export type TableGroup = (typeof tableGroups)[number];
