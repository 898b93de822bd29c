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
