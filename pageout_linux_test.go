package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

func rssFileKB(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

func TestReleaseStartupPagesShrinksTheResidentExecutable(t *testing.T) {
	before := rssFileKB(t)
	if err := releaseStartupPages(); err != nil {
		t.Fatalf("release: %v", err)
	}
	after := rssFileKB(t)
	if after >= before {
		t.Fatalf("resident file pages %d kB -> %d kB: nothing was released", before, after)
	}
	t.Logf("resident file pages %d kB -> %d kB", before, after)
}
