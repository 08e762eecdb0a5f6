//go:build linux

package sim

import (
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// threadCPU is the CPU time of the calling OS thread: unlike wall time it
// does not count the time other processes on a loaded machine take.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKernelVsHeap measures the kernel's CPU per event against the
// bare heap's (BenchmarkHeapBaseline's loop) in one process, interleaved
// in rounds of 200,000 events each, on one locked thread, so machine load
// hits both alike (issue 30, item 1: within 1.15x). kernel/heap is the
// ratio of their CPU per event; the README's table takes it from here.
func BenchmarkKernelVsHeap(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const round = 200_000
	k := pingPongKernel(math.MaxInt64, 1000)
	var q binaryHeap
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		q.push(event{at: Time(r.Int64N(3_000_000)), seq: uint64(i), kind: evMessage, msg: i})
	}
	seq := uint64(1000)
	var kernelCPU, heapCPU time.Duration
	var kernelEvents, heapEvents int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := threadCPU()
		before := k.Events()
		for k.Events()-before < round {
			k.Run(k.Now() + Time(time.Millisecond))
		}
		t1 := threadCPU()
		for j := 0; j < round; j++ {
			ev := q.pop()
			seq++
			ev.seq = seq
			ev.at += Time(1_000_000 + r.Int64N(2_000_001))
			q.push(ev)
		}
		t2 := threadCPU()
		kernelCPU += t1 - t0
		heapCPU += t2 - t1
		kernelEvents += k.Events() - before
		heapEvents += round
	}
	kns := float64(kernelCPU.Nanoseconds()) / float64(kernelEvents)
	hns := float64(heapCPU.Nanoseconds()) / float64(heapEvents)
	b.ReportMetric(kns, "kernel-cpu-ns/event")
	b.ReportMetric(hns, "heap-cpu-ns/event")
	b.ReportMetric(kns/hns, "kernel/heap")
}
