// The Go baseline for `ffind DIR --name GLOB --count`: what an SRE who writes Go scripts would
// write — a pool of walker goroutines fed by a channel of directories, matches counted through
// a channel, as in the seed article's pipeline but parallel.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

func main() {
	pattern := flag.String("name", "*.log", "glob on the file name")
	workers := flag.Int("workers", runtime.NumCPU()*4, "directories read at once")
	flag.Parse()
	if _, err := filepath.Match(*pattern, ""); err != nil {
		fmt.Fprintln(os.Stderr, "bad pattern:", err)
		os.Exit(2)
	}

	dirs := make(chan string, 1024)
	matches := make(chan int, 1024)
	var pending sync.WaitGroup // directories queued but not read yet
	var workersDone sync.WaitGroup

	// The queue must never block a worker that is adding subdirectories: spill into goroutines.
	enqueue := func(dir string) {
		pending.Add(1)
		select {
		case dirs <- dir:
		default:
			go func() { dirs <- dir }()
		}
	}
	failed := false
	var failedMu sync.Mutex
	for i := 0; i < *workers; i++ {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			for dir := range dirs {
				entries, err := os.ReadDir(dir)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					failedMu.Lock()
					failed = true
					failedMu.Unlock()
				}
				n := 0
				for _, entry := range entries {
					if entry.IsDir() {
						enqueue(filepath.Join(dir, entry.Name()))
						continue
					}
					if ok, _ := filepath.Match(*pattern, entry.Name()); ok {
						n++
					}
				}
				matches <- n
				pending.Done()
			}
		}()
	}
	total := make(chan int)
	go func() {
		sum := 0
		for n := range matches {
			sum += n
		}
		total <- sum
	}()
	for _, root := range flag.Args() {
		enqueue(root)
	}
	pending.Wait()
	close(dirs)
	workersDone.Wait()
	close(matches)
	fmt.Println(<-total)
	if failed {
		os.Exit(1)
	}
}
