// Package config gathers Switchyard's settings from flags, SWITCHYARD_*
// environment variables and an optional YAML file. Precedence, highest
// first: command-line flags, environment, the file, defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the server configuration. Field comments are the docs: every
// setting is a flag (--listen), an environment variable
// (SWITCHYARD_LISTEN) and a YAML key (listen).
type Config struct {
	// Listen is the address the HTTP API listens on.
	Listen string `yaml:"listen"`
	// DataDir holds the embedded store's files.
	DataDir string `yaml:"data_dir"`
	// NATSURL connects to an external NATS (JetStream) server or cluster
	// instead of running the embedded one.
	NATSURL string `yaml:"nats_url"`
	// Durability is "process" (survives kill -9; flushes to disk every two
	// minutes) or "strict" (flushes every write; survives power loss).
	Durability string `yaml:"durability"`
	// Region is the region used when a request is not signed.
	Region string `yaml:"region"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json.
	LogFormat string `yaml:"log_format"`
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// Delivery tunes target delivery.
	Delivery Delivery `yaml:"delivery"`
	// Targets says how to reach targets outside Switchyard: Lambda
	// functions and AWS services.
	Targets Targets `yaml:"targets"`
	// SecretsKeyFile holds the key that encrypts connection secrets at
	// rest (created in the data directory if not set).
	SecretsKeyFile string `yaml:"secrets_key_file"`
	// PublicURL is how HTTP endpoints subscribed to topics reach this
	// server (SNS SubscribeURL, UnsubscribeURL and SigningCertURL), e.g.
	// http://switchyard:4010 inside a container network. Empty: the Host
	// of the request that subscribed or published.
	PublicURL string `yaml:"public_url"`

	// File is the YAML file the configuration was read from, if any.
	File string `yaml:"-"`
}

// Delivery tunes how targets are invoked.
type Delivery struct {
	// Workers is the number of concurrent target invocations per node.
	Workers int `yaml:"workers"`
	// TargetConcurrency bounds concurrent invocations of one target.
	TargetConcurrency int `yaml:"target_concurrency"`
	// MinBackoff is the first retry delay; delays double up to MaxBackoff,
	// with jitter.
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// Targets configures how targets outside Switchyard are reached.
type Targets struct {
	// Lambda maps function names (the last part of a target's
	// arn:aws:lambda:…:function:<name> ARN) to how to run them.
	Lambda map[string]LambdaFunction `yaml:"lambda"`
	// AWS maps AWS service names (kinesis, firehose, states, logs, ecs,
	// batch, ssm, redshift-data, sagemaker, apigateway) to the endpoint
	// and credentials targets of that service are forwarded to; the entry
	// "default" applies to services without their own.
	AWS map[string]AWSEndpoint `yaml:"aws"`
}

// LambdaFunction is one way of running a Lambda target; set exactly one
// of InvokeURL, URL and Command.
type LambdaFunction struct {
	// InvokeURL is an endpoint speaking the Lambda Invoke API (the runtime
	// interface emulator, sam local start-lambda, or AWS); the event is
	// posted to <InvokeURL>/2015-03-31/functions/<name>/invocations with
	// X-Amz-Invocation-Type: Event.
	InvokeURL string `yaml:"invoke_url"`
	// URL receives the event as a JSON POST.
	URL string `yaml:"url"`
	// Command is a program started per invocation with the event on its
	// standard input; a non-zero exit fails the invocation.
	Command []string `yaml:"command"`
	// Env adds environment variables for Command.
	Env map[string]string `yaml:"env"`
	// Timeout bounds one invocation (default 10s).
	Timeout time.Duration `yaml:"timeout"`
	// Region and credentials sign InvokeURL requests (SigV4), for AWS.
	AWSEndpoint `yaml:",inline"`
}

// AWSEndpoint is where and as whom requests to an AWS service go.
type AWSEndpoint struct {
	Endpoint        string `yaml:"endpoint"`
	Region          string `yaml:"region"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	SessionToken    string `yaml:"session_token"`
}

// Default returns the defaults.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:4010",
		DataDir:         "./switchyard-data",
		Durability:      "process",
		Region:          "us-east-1",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 10 * time.Second,
		Delivery: Delivery{
			Workers:           64,
			TargetConcurrency: 16,
			MinBackoff:        100 * time.Millisecond,
			MaxBackoff:        5 * time.Minute,
		},
	}
}

type setting struct {
	name  string
	usage string
	ptr   any
}

func settings(c *Config) []setting {
	return []setting{
		{"listen", "address to serve the AWS APIs on", &c.Listen},
		{"data-dir", "directory for the embedded store", &c.DataDir},
		{"nats-url", "external NATS server or cluster (instead of the embedded store)", &c.NATSURL},
		{"durability", "process (survives kill -9) or strict (fsync every write)", &c.Durability},
		{"region", "region for unsigned requests", &c.Region},
		{"log-level", "debug, info, warn or error", &c.LogLevel},
		{"log-format", "text or json", &c.LogFormat},
		{"shutdown-timeout", "graceful shutdown limit", &c.ShutdownTimeout},
		{"public-url", "base URL HTTP subscribers reach this server at (SNS confirmation and certificate links)", &c.PublicURL},
	}
}

// Load parses args (without the program and subcommand names) and the
// environment into a Config.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var file string
	fs.StringVar(&file, "config", getenv("SWITCHYARD_CONFIG"), "YAML configuration file (env SWITCHYARD_CONFIG)")
	// Flags are parsed into a scratch copy first so the file can be
	// applied underneath them.
	flagged := Default()
	for _, s := range settings(&flagged) {
		env := "SWITCHYARD_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
		usage := s.usage + " (env " + env + ")"
		switch p := s.ptr.(type) {
		case *string:
			fs.StringVar(p, s.name, *p, usage)
		case *time.Duration:
			fs.DurationVar(p, s.name, *p, usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return c, err
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("%s: %w", file, err)
		}
		c.File = file
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cur, fl := settings(&c), settings(&flagged)
	for i, s := range cur {
		env := getenv("SWITCHYARD_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_")))
		switch p := s.ptr.(type) {
		case *string:
			if set[s.name] {
				*p = *fl[i].ptr.(*string)
			} else if env != "" {
				*p = env
			}
		case *time.Duration:
			if set[s.name] {
				*p = *fl[i].ptr.(*time.Duration)
			} else if env != "" {
				d, err := time.ParseDuration(env)
				if err != nil {
					return c, fmt.Errorf("SWITCHYARD_%s: %w", strings.ToUpper(strings.ReplaceAll(s.name, "-", "_")), err)
				}
				*p = d
			}
		}
	}
	return c, c.Validate()
}

// Validate checks settings that have a fixed set of values.
func (c *Config) Validate() error {
	switch c.Durability {
	case "process", "strict":
	default:
		return fmt.Errorf("durability %q: must be process or strict", c.Durability)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q: must be debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format %q: must be text or json", c.LogFormat)
	}
	if c.Delivery.Workers < 1 || c.Delivery.TargetConcurrency < 1 {
		return errors.New("delivery workers and target_concurrency must be at least 1")
	}
	return nil
}
