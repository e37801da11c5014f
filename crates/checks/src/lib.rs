//! Findings from configuration and telemetry.
