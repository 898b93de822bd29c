// The Go baseline for `logclean DIR --days N`: delete *.log files older than N days, with a
// pool of goroutines reading directories and deleting, as an SRE's Go script would (the seed
// article's filepath.Walk version, made parallel). No safety checks beyond not following symlinks.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	days := flag.Int("days", 7, "delete logs older than this many days")
	pattern := flag.String("name", "*.log", "glob on the file name")
	workers := flag.Int("workers", runtime.NumCPU()*4, "directories worked on at once")
	flag.Parse()
	cutoff := time.Now().Add(-time.Duration(*days) * 24 * time.Hour)

	dirs := make(chan string, 1024)
	var pending sync.WaitGroup
	var workersDone sync.WaitGroup
	var deleted, freed, failures atomic.Int64
	enqueue := func(dir string) {
		pending.Add(1)
		select {
		case dirs <- dir:
		default:
			go func() { dirs <- dir }()
		}
	}
	for i := 0; i < *workers; i++ {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			for dir := range dirs {
				entries, err := os.ReadDir(dir)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					failures.Add(1)
				}
				for _, entry := range entries {
					path := filepath.Join(dir, entry.Name())
					if entry.IsDir() {
						enqueue(path)
						continue
					}
					if !entry.Type().IsRegular() {
						continue
					}
					if ok, _ := filepath.Match(*pattern, entry.Name()); !ok {
						continue
					}
					info, err := entry.Info() // lstat
					if err != nil || !info.ModTime().Before(cutoff) {
						continue
					}
					if err := os.Remove(path); err != nil {
						fmt.Fprintln(os.Stderr, err)
						failures.Add(1)
						continue
					}
					deleted.Add(1)
					freed.Add(info.Size())
				}
				pending.Done()
			}
		}()
	}
	for _, root := range flag.Args() {
		enqueue(root)
	}
	pending.Wait()
	close(dirs)
	workersDone.Wait()
	fmt.Printf("deleted %d files, freed %d bytes\n", deleted.Load(), freed.Load())
	if failures.Load() > 0 {
		os.Exit(1)
	}
}
