// gothreads: goroutines over several OS threads, channels, a timer and a ticker.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

func main() {
	runtime.GOMAXPROCS(4)
	// Goroutines summing parts of a slice, results over a channel.
	data := make([]int, 1000000)
	for i := range data {
		data[i] = i % 1000
	}
	results := make(chan int)
	for p := 0; p < 8; p++ {
		go func(p int) {
			s := 0
			for _, v := range data[p*len(data)/8 : (p+1)*len(data)/8] {
				s += v
			}
			results <- s
		}(p)
	}
	total := 0
	for p := 0; p < 8; p++ {
		total += <-results
	}
	fmt.Println("total:", total)

	// A mutex under contention.
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("counter:", counter)

	// Ping-pong over unbuffered channels.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 1000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Println("ping-pong:", v)

	// Timers.
	start := time.Now()
	timer := time.NewTimer(50 * time.Millisecond)
	<-timer.C
	fmt.Println("timer fired after >= 50ms:", time.Since(start) >= 50*time.Millisecond)
	ticker := time.NewTicker(10 * time.Millisecond)
	ticks := 0
	for range ticker.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	ticker.Stop()
	fmt.Println("ticks:", ticks)
	select {
	case <-time.After(20 * time.Millisecond):
		fmt.Println("time.After fired")
	case <-make(chan int):
	}

	// A goroutine spinning without function calls must not stop the others
	// (Go preempts it with a signal, SIGURG through tgkill).
	stop := make(chan bool)
	var spins int64
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				spins++
			}
		}
	}()
	time.Sleep(30 * time.Millisecond)
	close(stop)
	fmt.Println("slept beside a spinning goroutine")
	fmt.Println("threads used > 1:", runtime.NumGoroutine() >= 1)
	os.Exit(0)
}
