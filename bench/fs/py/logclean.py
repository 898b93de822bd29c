"""The Python baseline for `logclean DIR --days N`: os.scandir walk (d_type, no symlink
following), lstat for matches, unlink those older than N days. What an SRE's script would do."""
import fnmatch
import os
import sys
import time


def main() -> int:
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    cutoff = time.time() - days * 86400
    deleted = freed = failures = 0
    stack = [sys.argv[1]]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False) and fnmatch.fnmatchcase(entry.name, "*.log"):
                        info = entry.stat(follow_symlinks=False)
                        if info.st_mtime < cutoff:
                            try:
                                os.unlink(entry.path)
                                deleted += 1
                                freed += info.st_size
                            except OSError as error:
                                print(error, file=sys.stderr)
                                failures += 1
        except OSError as error:
            print(error, file=sys.stderr)
            failures += 1
    print(f"deleted {deleted} files, freed {freed} bytes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
