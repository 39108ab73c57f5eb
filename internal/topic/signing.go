package topic

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/switchyard/switchyard/internal/store"
)

// signer signs SNS messages with Switchyard's RSA key. The key and its
// self-signed certificate are generated once and kept in the topics bucket,
// so every node (and every restart) signs with the same key.
type signer struct {
	key     *rsa.PrivateKey
	certPEM []byte
	// name is the certificate's file name under URLPrefix:
	// SimpleNotificationService-<hash>.pem, as SNS names its own.
	name string

	// cache holds recent signatures: a message goes to every subscription
	// of its topic with the same signed fields (the subscription is not
	// signed), and an RSA signature costs about a millisecond.
	mu    sync.Mutex
	cache map[[32]byte]string
}

const sigCacheSize = 4096

type storedKey struct {
	Key  string `json:"key"`
	Cert string `json:"cert"`
}

func loadSigner(ctx context.Context, kv *store.KV) (*signer, error) {
	for attempt := 0; attempt < 3; attempt++ {
		e, err := kv.Get(ctx, signingKey)
		if err == nil {
			return parseSigner(e.Value)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		data, err := newSigningKey()
		if err != nil {
			return nil, err
		}
		if _, err := kv.Create(ctx, signingKey, data); err == nil {
			return parseSigner(data)
		} else if !errors.Is(err, store.ErrExists) {
			return nil, err
		}
		// Another node created it first: use theirs.
	}
	return nil, errors.New("topic: could not load or create the signing key")
}

func newSigningKey() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sns.switchyard.local", Organization: []string{"Switchyard"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return json.Marshal(storedKey{
		Key:  string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		Cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
	})
}

func parseSigner(data []byte) (*signer, error) {
	var sk storedKey
	if err := json.Unmarshal(data, &sk); err != nil {
		return nil, fmt.Errorf("topic: stored signing key: %w", err)
	}
	kb, _ := pem.Decode([]byte(sk.Key))
	cb, _ := pem.Decode([]byte(sk.Cert))
	if kb == nil || cb == nil {
		return nil, errors.New("topic: stored signing key is not PEM")
	}
	key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("topic: stored signing key: %w", err)
	}
	sum := sha256.Sum256(cb.Bytes)
	return &signer{key: key, certPEM: []byte(sk.Cert), name: "SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem"}, nil
}

// sign returns the base64 signature of the canonical string: SignatureVersion
// 1 is SHA1withRSA, 2 SHA256withRSA.
func (s *signer) sign(version, canonical string) (string, error) {
	key := sha256.Sum256([]byte(version + "\n" + canonical))
	s.mu.Lock()
	if v, ok := s.cache[key]; ok {
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	v, err := s.signUncached(version, canonical)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) >= sigCacheSize {
		s.cache = make(map[[32]byte]string, sigCacheSize)
	}
	s.cache[key] = v
	s.mu.Unlock()
	return v, nil
}

func (s *signer) signUncached(version, canonical string) (string, error) {
	var sig []byte
	var err error
	if version == "2" {
		h := sha256.Sum256([]byte(canonical))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, h[:])
	} else {
		h := sha1.Sum([]byte(canonical))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA1, h[:])
	}
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// canonical builds the string SNS signs: "Name\nvalue\n" for each field
// that takes part, in byte order of the names. Notifications sign Message,
// MessageId, Subject (when present), Timestamp, TopicArn and Type;
// SubscriptionConfirmation and UnsubscribeConfirmation messages sign
// Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn and Type.
func canonical(e *envelope) string {
	var b []byte
	add := func(k, v string) {
		b = append(b, k...)
		b = append(b, '\n')
		b = append(b, v...)
		b = append(b, '\n')
	}
	add("Message", e.Message)
	add("MessageId", e.MessageId)
	if e.Type == "Notification" {
		if e.Subject != "" {
			add("Subject", e.Subject)
		}
	} else {
		add("SubscribeURL", e.SubscribeURL)
	}
	add("Timestamp", e.Timestamp)
	if e.Type != "Notification" {
		add("Token", e.Token)
	}
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return string(b)
}
