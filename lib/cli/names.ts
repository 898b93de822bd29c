/** fooBar -> foo-bar (flags, config keys). */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** fooBar -> FOO_BAR (env var suffixes). */
export function envSuffix(name: string): string {
  return kebab(name).replace(/-/g, "_").toUpperCase();
}

/** The env vars that set an option, most specific first. */
export function envNames(tool: string, option: string, global: boolean): string[] {
  const perTool = `OPSCTL_${envSuffix(tool)}_${envSuffix(option)}`;
  return global ? [perTool, `OPSCTL_${envSuffix(option)}`] : [perTool];
}
