package queue

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/switchyard/switchyard/internal/awsproto"
)

// node is a second queue service on the env's store, as another Switchyard
// node on the same NATS cluster would be.
type node struct {
	svc    *Service
	srv    *httptest.Server
	client *sqs.Client
}

func (e *env) addNode() *node {
	e.t.Helper()
	svc, err := Open(context.Background(), e.st, testLogger())
	if err != nil {
		e.t.Fatal(err)
	}
	mux := awsproto.NewMux(testLogger())
	mux.HandleJSON(svc.JSONService())
	n := &node{svc: svc, srv: httptest.NewServer(mux)}
	n.client = sqs.New(sqs.Options{Region: "us-east-1", Credentials: e.client.Options().Credentials,
		BaseEndpoint: aws.String(n.srv.URL), RetryMaxAttempts: 1})
	e.t.Cleanup(func() {
		n.srv.Close()
		n.svc.Close()
	})
	return n
}

// sentMsg is a message whose send was acknowledged.
type sentMsg struct {
	body string
	seq  string // SequenceNumber
}

// sendConcurrently sends perSender messages to group g from each of
// senders goroutines at once, over the given clients in turn, and returns
// what was acknowledged.
func sendConcurrently(t *testing.T, clients []*sqs.Client, url, g string, senders, perSender int) []sentMsg {
	t.Helper()
	var mu sync.Mutex
	var sent []sentMsg
	var wg sync.WaitGroup
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[w%len(clients)]
			for i := 0; i < perSender; i++ {
				body := fmt.Sprintf("w%02d-%03d", w, i)
				out, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body),
					MessageGroupId: aws.String(g), MessageDeduplicationId: aws.String(body)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				sent = append(sent, sentMsg{body, aws.ToString(out.SequenceNumber)})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return sent
}

// drainInOrder receives and deletes every message of url through the
// given clients (in turn) and checks that they come in SequenceNumber
// order, each once.
func drainInOrder(t *testing.T, clients []*sqs.Client, url string, sent []sentMsg) {
	t.Helper()
	ctx := context.Background()
	want := map[string]string{}
	for _, m := range sent {
		want[m.body] = m.seq
	}
	var got []sentMsg
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; len(got) < len(sent) && time.Now().Before(deadline); i++ {
		c := clients[i%len(clients)]
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SequenceNumber"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, sentMsg{aws.ToString(m.Body), m.Attributes["SequenceNumber"]})
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != len(sent) {
		t.Fatalf("received %d of %d messages", len(got), len(sent))
	}
	for i, m := range got {
		if want[m.body] != m.seq {
			t.Fatalf("%s arrived with SequenceNumber %s, its send returned %s", m.body, m.seq, want[m.body])
		}
		if i > 0 && m.seq <= got[i-1].seq {
			t.Fatalf("message %d (%s, %s) after %s (%s): not in SequenceNumber order", i, m.body, m.seq, got[i-1].body, got[i-1].seq)
		}
	}
}

// TestFifoConcurrentSendsKeepSequenceOrder: concurrent SendMessage calls to
// one message group (as EventBridge's concurrent deliveries make) are
// received in the order of the SequenceNumbers the sends returned. Run it
// with -race.
func TestFifoConcurrentSendsKeepSequenceOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("burst.fifo", map[string]string{"FifoQueue": "true"})
	clients := []*sqs.Client{e.client}
	sent := sendConcurrently(t, clients, url, "g", 32, 8)
	drainInOrder(t, clients, url, sent)
}

// TestFifoOrderAcrossNodes: two nodes on one store (as two Switchyard nodes
// on one NATS cluster) take concurrent sends to one group and serve the
// receives: the order is still the SequenceNumber order.
func TestFifoOrderAcrossNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.createQueue("nodes.fifo", map[string]string{"FifoQueue": "true"})
	n2 := e.addNode()
	clients := []*sqs.Client{e.client, n2.client}
	// The second node must know the queue before it takes sends.
	eventually(t, 5*time.Second, func() error {
		if !n2.svc.Exists(Scope{"000000000000", "us-east-1"}, "nodes.fifo") {
			return fmt.Errorf("queue not on the second node yet")
		}
		return nil
	})
	sent := sendConcurrently(t, clients, url, "g", 16, 8)
	drainInOrder(t, clients, url, sent)
}

// TestFifoReceiveSeveralOfAGroup: a FIFO ReceiveMessage returns up to
// MaxNumberOfMessages of one group, in order, before other groups; while
// they are in flight nothing else of the group comes; after the visibility
// timeout the same messages return in the same order, received twice.
func TestFifoReceiveSeveralOfAGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("batch.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "2"})
	for i := 1; i <= 4; i++ {
		e.sendFifo(url, fmt.Sprint("a", i), "a", "")
	}
	for i := 1; i <= 2; i++ {
		e.sendFifo(url, fmt.Sprint("b", i), "b", "")
	}
	sys := []types.MessageSystemAttributeName{"ApproximateReceiveCount", "MessageGroupId"}
	first := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 3, MessageSystemAttributeNames: sys})
	if got := fmt.Sprint(bodiesOf(first)); got != "[a1 a2 a3]" {
		t.Fatalf("first receive of 3: %s, want [a1 a2 a3]", got)
	}
	// a4 waits for a1-a3; group b comes.
	second := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageSystemAttributeNames: sys})
	if got := fmt.Sprint(bodiesOf(second)); got != "[b1 b2]" {
		t.Fatalf("second receive: %s, want [b1 b2]", got)
	}
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}); len(got) != 0 {
		t.Fatalf("received %v while both groups are in flight", bodiesOf(got))
	}
	// Deleting a2 only does not free the group.
	if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first[1].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}); len(got) != 0 {
		t.Fatalf("received %v while a1 and a3 are in flight", bodiesOf(got))
	}
	// After the visibility timeout: a1, a3 again, in order, then a4 (its
	// first receive); group b again.
	again := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 5, MessageSystemAttributeNames: sys})
	var a []string
	for _, m := range again {
		if m.Attributes["MessageGroupId"] == "a" {
			a = append(a, aws.ToString(m.Body)+"/"+m.Attributes["ApproximateReceiveCount"])
		}
	}
	if got := fmt.Sprint(a); got != "[a1/2 a3/2 a4/1]" && got != "[a1/2 a3/2 a4/2]" {
		t.Fatalf("group a after the visibility timeout: %s, want [a1/2 a3/2 a4/1]", got)
	}
	// Deleting every message returned frees the group; nothing is left
	// once group b is deleted too.
	for _, m := range again {
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	rest := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 3})
	for _, m := range rest {
		if aws.ToString(m.Body) != "b1" && aws.ToString(m.Body) != "b2" {
			t.Errorf("left over: %s", aws.ToString(m.Body))
		}
	}
}

// TestFifoReceiveSpreadsAndContinues: with MaxNumberOfMessages 1 a group's
// messages come one after the other as each is deleted (no wait for a
// visibility timeout), and a receive of 10 over many one-message groups
// returns 10 messages.
func TestFifoReceiveSpreadsAndContinues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("one.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "30"})
	for i := 1; i <= 5; i++ {
		e.sendFifo(url, fmt.Sprint("a", i), "a", "")
	}
	for i := 1; i <= 5; i++ {
		got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
		if len(got) != 1 || aws.ToString(got[0].Body) != fmt.Sprint("a", i) {
			t.Fatalf("receive %d: %v", i, bodiesOf(got))
		}
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: got[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	for g := 0; g < 12; g++ {
		e.sendFifo(url, "m"+strconv.Itoa(g), "g"+strconv.Itoa(g), "")
	}
	got := e.receive(&sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if len(got) != 10 {
		t.Fatalf("received %d of 12 one-message groups, want 10", len(got))
	}
	bodies := bodiesOf(got)
	sort.Strings(bodies)
	for i := 1; i < len(bodies); i++ {
		if bodies[i] == bodies[i-1] {
			t.Fatalf("duplicate %s", bodies[i])
		}
	}
}
