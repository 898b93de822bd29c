/** The race tests' hook: change the tree once, right when the code under test reaches one path. */
import { type FsPath, toText } from "../../lib/fs/path.ts";

/**
 * `at(path)` runs `act` the first time it is given `target`; `fired` counts every time it is
 * given `target`, so a test expecting 1 also proves the code got there exactly once.
 */
export function onceAt(
  target: string,
  act: () => void,
): { at: (path: FsPath) => void; fired: number } {
  const once = {
    fired: 0,
    at: (path: FsPath) => {
      if (toText(path) === target && once.fired++ === 0) act();
    },
  };
  return once;
}
