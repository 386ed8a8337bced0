// The murmur executable's entry: runs the CLI on this process's arguments (see program.ts).
import { runCli } from './program.js'

process.exitCode = await runCli(process.argv)
