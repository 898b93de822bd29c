/** Every tool opsctl ships: the config file's sections and opsctl's subcommands. */
export const toolNames = [
  "logclean",
  "ffind",
  "sshping",
  "nginxlog",
  "podpatrol",
  "exporter",
] as const;

export type ToolName = (typeof toolNames)[number];
