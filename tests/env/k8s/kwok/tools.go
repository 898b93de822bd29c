//go:build tools

// Pins sigs.k8s.io/kwok in this module; build.sh builds sigs.k8s.io/kwok/cmd/kwok from it.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
