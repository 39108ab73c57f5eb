// Command apidest measures delivery to API destinations end to end: it
// starts a local HTTP receiver, creates an API_KEY connection, N API
// destinations pointing at the receiver (InvocationRateLimitPerSecond
// 1,000,000: unlimited) and one rule per destination on a bus, then sends
// PutEvents batches from several clients. It prints deliveries per second
// (receiver side) and the delivery latency, PutEvents sent -> request
// received, which is all Switchyard's (the receiver answers at once).
//
//	go run ./cmd/switchyard serve --data-dir "$(mktemp -d)" &
//	go run ./bench/apidest -endpoint http://127.0.0.1:4010 -destinations 1 -duration 10s
//	go run ./bench/apidest -endpoint http://127.0.0.1:4010 -destinations 100 -duration 10s
//	go run ./bench/apidest -endpoint http://127.0.0.1:4010 -rate 5000 -duration 10s   # latency at a given load
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4010", "Switchyard endpoint")
	dests := flag.Int("destinations", 1, "API destinations (events are spread over them)")
	clients := flag.Int("clients", 16, "concurrent PutEvents clients")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	rate := flag.Int("rate", 0, "events per second in total (0: as fast as possible)")
	limit := flag.Int("limit", 1_000_000, "InvocationRateLimitPerSecond of each destination")
	account := flag.String("account", "000000000000", "access key id (Switchyard: the account)")
	drain := flag.Duration("drain", 30*time.Second, "how long to wait for deliveries after sending")
	flag.Parse()

	var got atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			now := time.Now()
			var ev struct {
				Detail struct {
					Sent int64 `json:"sent"`
				} `json:"detail"`
			}
			if json.Unmarshal(body, &ev) == nil && ev.Detail.Sent > 0 {
				mu.Lock()
				lat = append(lat, now.Sub(time.Unix(0, ev.Detail.Sent)))
				mu.Unlock()
			}
			got.Add(1)
		}))
	}()
	recvURL := "http://" + ln.Addr().String() + "/hook"

	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(*account, "secret", "")}
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = endpoint })
	ctx := context.Background()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	bus := "apidest-" + suffix
	_, err = eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)})
	check(err)
	conn, err := eb.CreateConnection(ctx, &eventbridge.CreateConnectionInput{Name: aws.String("bench-" + suffix), AuthorizationType: ebtypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("bench")}}})
	check(err)
	for i := range *dests {
		d, err := eb.CreateApiDestination(ctx, &eventbridge.CreateApiDestinationInput{Name: aws.String(fmt.Sprintf("bench-%s-%d", suffix, i)), ConnectionArn: conn.ConnectionArn,
			InvocationEndpoint: aws.String(recvURL), HttpMethod: ebtypes.ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: aws.Int32(int32(*limit))})
		check(err)
		rule := "r" + strconv.Itoa(i)
		_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(rule), EventBusName: aws.String(bus), EventPattern: aws.String(`{"detail":{"d":[` + strconv.Itoa(i) + `]}}`)})
		check(err)
		_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: aws.String(bus), Targets: []ebtypes.Target{{Id: aws.String("api"), Arn: d.ApiDestinationArn,
			RoleArn: aws.String("arn:aws:iam::" + *account + ":role/bench")}}})
		check(err)
	}

	var sent atomic.Int64
	var seq atomic.Int64
	stop := time.Now().Add(*duration)
	start := time.Now()
	var wg sync.WaitGroup
	var tick <-chan time.Time
	if *rate > 0 {
		t := time.NewTicker(time.Second * 10 / time.Duration(*rate))
		defer t.Stop()
		tick = t.C
	}
	for range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if tick != nil {
					<-tick
				}
				entries := make([]ebtypes.PutEventsRequestEntry, 10)
				for j := range entries {
					n := seq.Add(1)
					detail := fmt.Sprintf(`{"d":%d,"sent":%d,"n":%d,"pad":"order placed for customer 42, two items, leave at the door"}`, int(n)%*dests, time.Now().UnixNano(), n)
					entries[j] = ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("bench"), DetailType: aws.String("t"), Detail: aws.String(detail)}
				}
				out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
				if err == nil {
					sent.Add(int64(10 - out.FailedEntryCount))
				}
			}
		}()
	}
	wg.Wait()
	sendTime := time.Since(start)
	deadline := time.Now().Add(*drain)
	for got.Load() < sent.Load() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	total := time.Since(start)
	mu.Lock()
	slices.Sort(lat)
	p := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*q))].Microseconds()) / 1000
	}
	res := map[string]any{
		"destinations": *dests, "sent": sent.Load(), "delivered": got.Load(),
		"sent_per_s": float64(sent.Load()) / sendTime.Seconds(), "delivered_per_s": float64(got.Load()) / total.Seconds(),
		"latency_ms": map[string]float64{"p50": p(0.5), "p90": p(0.9), "p99": p(0.99), "max": p(1)},
	}
	mu.Unlock()
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
