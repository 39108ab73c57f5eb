package connection

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretBox seals connection secrets (passwords, API key values, OAuth
// client secrets, secret parameters) with AES-256-GCM before they reach
// the catalog bucket. The additional data binds each ciphertext to its
// connection ARN, so a sealed value copied into another record does not
// open.
type SecretBox struct {
	aead  cipher.AEAD
	keyID string // first bytes of SHA-256(key), to tell keys apart in errors
}

// SecretsKeyFileName is the key file created in the data directory when
// no secrets_key_file is configured.
const SecretsKeyFileName = "connection-secrets.key"

const sealedPrefix = "v1:"

// NewSecretBox returns a box for a 32-byte key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key)
	return &SecretBox{aead: aead, keyID: hex.EncodeToString(sum[:4])}, nil
}

// LoadSecretBox reads the key from keyFile, or, when keyFile is empty,
// from the data directory, creating a random key there (mode 0600) on
// first use. A key file holds 32 raw bytes, or their base64 or hex text.
func LoadSecretBox(dataDir, keyFile string) (*SecretBox, error) {
	path := keyFile
	if path == "" {
		if dataDir == "" {
			return nil, errors.New("no data directory and no secrets_key_file: connection secrets cannot be encrypted")
		}
		path = filepath.Join(dataDir, SecretsKeyFileName)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, err
			}
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, err
			}
			text := base64.StdEncoding.EncodeToString(key) + "\n"
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err == nil {
				_, err = f.WriteString(text)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil && !errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("creating secrets key %s: %w", path, err)
			}
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading secrets key: %w", err)
	}
	key, err := parseKey32(data)
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", path, err)
	}
	return NewSecretBox(key)
}

func parseKey32(data []byte) ([]byte, error) {
	if len(data) == 32 {
		return data, nil
	}
	text := strings.TrimSpace(string(data))
	if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.RawURLEncoding.DecodeString(text); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(text); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("want 32 bytes, raw or as base64 or hex text")
}

// Seal encrypts plaintext for the connection with ARN arn.
func (b *SecretBox) Seal(arn, plaintext string) Sealed {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(arn))
	return Sealed(sealedPrefix + base64.RawStdEncoding.EncodeToString(out))
}

// Open decrypts a sealed value of the connection with ARN arn.
func (b *SecretBox) Open(arn string, s Sealed) (string, error) {
	if s == "" {
		return "", nil
	}
	text, ok := strings.CutPrefix(string(s), sealedPrefix)
	if !ok {
		return "", errors.New("sealed secret has an unknown format")
	}
	raw, err := base64.RawStdEncoding.DecodeString(text)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("sealed secret is malformed")
	}
	n := b.aead.NonceSize()
	out, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(arn))
	if err != nil {
		return "", fmt.Errorf("connection secret does not decrypt with secrets key %s (was it created with another key? every node of a cluster needs the same secrets_key_file)", b.keyID)
	}
	return string(out), nil
}

// KeyID identifies the key (a hash prefix, safe to show).
func (b *SecretBox) KeyID() string { return b.keyID }
