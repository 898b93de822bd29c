/**
 * Which log_format variables each value the Analyzer reads comes from, in order of preference
 * (the first one the format has is used). The filter flags' checks read the same table, so a
 * flag is refused exactly when the Analyzer would have nothing to filter it on.
 */
export const valueSources = {
  addr: ["remote_addr", "binary_remote_addr", "realip_remote_addr"],
  time: ["time_local", "time_iso8601", "msec"],
  request: ["request"],
  method: ["request_method"],
  uri: ["request_uri", "uri"],
  protocol: ["server_protocol"],
  status: ["status"],
  bytes: ["body_bytes_sent", "bytes_sent"],
  referer: ["http_referer"],
  agent: ["http_user_agent"],
  requestTime: ["request_time"],
  upstreamTime: ["upstream_response_time"],
} as const satisfies Record<string, readonly string[]>;

export type ValueRole = keyof typeof valueSources;

/** Index of each variable name's first occurrence in a format. */
export function firstIndexes(variables: readonly string[]): Record<string, number> {
  const at: Record<string, number> = {};
  variables.forEach((name, i) => {
    if (at[name] === undefined) at[name] = i;
  });
  return at;
}

/**
 * For each value, the variable it is read from (the first of its sources the format has), -1
 * when none: the Analyzer and its WebAssembly engine read the same variables through this.
 */
export function valueIndexes(variables: readonly string[]): Record<ValueRole, number> {
  const at = firstIndexes(variables);
  const index = (names: readonly string[]) => {
    for (const name of names) if (at[name] !== undefined) return at[name] as number;
    return -1;
  };
  return Object.fromEntries(
    Object.entries(valueSources).map(([role, names]) => [role, index(names)]),
  ) as Record<ValueRole, number>;
}
