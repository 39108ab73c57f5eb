package server

import "os"

func tempDir() (string, error) { return os.MkdirTemp("", "switchyard-fuzz") }
