/** Why a line is bad, by the code the WebAssembly engine's events carry (0: not bad); the JavaScript path says the same. */
export const badFormat = 1;
export const badStatus = 2;
export const badTime = 3;
export const badReasons = [
  "",
  "does not match the log format",
  "status is not a 3-digit code",
  "time is not a valid nginx time",
] as const;
