#!/usr/bin/env node
// Starts dynalite in this process and exits when stdin closes, so a parent that dies (even by SIGKILL) never leaves
// an orphaned DynamoDB server behind. Used by LocalAws; can also be run by hand:
//   node run.js --port 0 [--path DIR] [--createTableMs 0]
// Prints exactly one line "dynalite listening on http://127.0.0.1:PORT" when ready (PORT is the bound port).
'use strict'

const args = process.argv.slice(2)
const options = {}
for (let i = 0; i < args.length; i++) {
  const name = args[i]
  if (!name.startsWith('--')) continue
  const value = args[i + 1]
  i++
  switch (name) {
    case '--port': options.port = Number(value); break
    case '--path': options.path = value; break
    case '--createTableMs': options.createTableMs = Number(value); break
    case '--deleteTableMs': options.deleteTableMs = Number(value); break
    case '--updateTableMs': options.updateTableMs = Number(value); break
    default:
      console.error(`unknown option ${name}`)
      process.exit(2)
  }
}

const dynalite = require('dynalite')
const server = dynalite({
  path: options.path,
  createTableMs: options.createTableMs ?? 0,
  deleteTableMs: options.deleteTableMs ?? 0,
  updateTableMs: options.updateTableMs ?? 0,
})

function shutdown (code) {
  server.close(() => process.exit(code))
  setTimeout(() => process.exit(code), 2000).unref()
}

process.stdin.on('end', () => shutdown(0))
process.stdin.on('close', () => shutdown(0))
process.stdin.on('error', () => shutdown(0))
process.stdin.resume()
process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))

server.listen(options.port || 0, '127.0.0.1', () => {
  console.log(`dynalite listening on http://127.0.0.1:${server.address().port}`)
})
