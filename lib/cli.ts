#!/usr/bin/env node
// The `fastify-healthz` bin: `fastify-healthz probe <url> [--timeout <ms>]`, for Docker's HEALTHCHECK
// (docs/docker.md). The logic lives in cli-probe.ts, which tests import without running it.
// process.exit(): a DNS lookup still running after the timeout must not keep the process alive.
import { main } from './cli-probe.js'

main(process.argv.slice(2), process).then((code) => process.exit(code))
