module opsctl.bench/fs

go 1.26
