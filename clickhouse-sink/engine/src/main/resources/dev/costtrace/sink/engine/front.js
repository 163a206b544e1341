// CostTrace embedded ClickHouse: a loopback HTTP front over one chDB session, speaking the part of
// the ClickHouse HTTP interface that the official Java client (client-v2 / jdbc-v2 0.9.x) uses.
// For trying and testing; production uses a ClickHouse server.
//
// Why these choices:
// - chDB cuts inline INSERT data at the first blank line, silently: request bodies go to a temp
//   file and run as INSERT ... FROM INFILE.
// - chDB has one engine connection: requests are serialised.
// - The client's compress=1 asks for ClickHouse's LZ4 framing; we answer gzip with
//   Content-Encoding, which its HTTP client decodes transparently.
// - The process exits when its stdin closes, so it never outlives the JVM that started it.
// - Loopback is not private: any local user can connect. Every request but /ping must carry the
//   per-run secret the JVM passes in COSTTRACE_FRONT_SECRET (as the ClickHouse password); it is
//   written owner-only beside the state file for a second costtrace process of the same user.
// - chDB runs as clickhouse-local, which reads and writes any file the process can: SQL that
//   touches files or the network (file(), INFILE, OUTFILE, url(), s3(), disk(), ...) is refused.
//   Only the front itself uses INSERT ... FROM INFILE, on its own temporary file.
'use strict';
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const { Session } = require('chdb');

const args = parseArgs(process.argv.slice(2));
const dataDir = path.resolve(args.data || path.join(os.tmpdir(), 'costtrace-chdb'));
const stateFile = args.state || path.join(dataDir, '.costtrace-front.json');
const secretFile = path.join(path.dirname(stateFile), '.costtrace-front.secret');
const secret = Buffer.from(process.env.COSTTRACE_FRONT_SECRET || '', 'utf8');
delete process.env.COSTTRACE_FRONT_SECRET;
if (secret.length < 32) {
  process.stderr.write('costtrace front: COSTTRACE_FRONT_SECRET (at least 32 characters) is required\n');
  process.exit(2);
}
fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'costtrace-chdb-body-'));
const session = new Session(dataDir);
let currentDb = 'default';
let queue = Promise.resolve();

// URL parameters that are HTTP-interface controls, not settings to apply.
const CONTROL = new Set(['query', 'query_id', 'database', 'compress', 'decompress', 'default_format',
  'user', 'password', 'session_id', 'session_timeout', 'session_check', 'wait_end_of_query',
  'buffer_size', 'http_native_compression_disable_checksumming_on_decompress', 'extremes',
  'enable_http_compression', 'send_progress_in_http_headers', 'client_protocol_version',
  'http_headers_progress_interval_ms', 'result_overflow_mode', 'quota_key', 'role', 'async_insert',
  'wait_for_async_insert', 'cancel_http_readonly_queries_on_client_close', 'output_format_json_quote_64bit_integers']);

const USER_NAME = 'default';
const INSERT_FORMAT = /^\s*INSERT\s+INTO\s+([\s\S]+?)\s+FORMAT\s+(\w+)\s*;?\s*$/i;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

// Table functions, engines, dictionary sources and clauses that reach files or the network.
const FILE_ACCESS = [
  /\bIN(?:TO)?\s+OUTFILE\b|\bOUTFILE\b/i, /\bINFILE\b/i, /\bATTACH\b/i, /\bBACKUP\b/i, /\bRESTORE\b/i,
  /\b(?:file|url|urlCluster|s3|s3Cluster|gcs|oss|cosn|hdfs|hdfsCluster|azureBlobStorage|azureBlobStorageCluster|iceberg\w*|deltaLake\w*|hudi\w*|paimon\w*|remote|remoteSecure|cluster|clusterAllReplicas|mysql|postgresql|mongodb|redis|sqlite|odbc|jdbc|executable|executablePool|http|disk|kafka|nats|rabbitmq|fuzzJSON|fuzzQuery|python)\s*\(/i,
  /\{\s*\w+\s*:\s*Identifier\s*\}/i, /\bformat_schema\w*/i,
];

// The SQL as ClickHouse's lexer sees its words: string literals blanked, comments removed, quoted
// identifiers unquoted (so that `file`(...) is still seen as file(...)). When unsure it keeps text:
// a false refusal is better than a missed one.
function sqlWords(sql) {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const n = sql[i + 1];
    if (c === "'") {
      i++;
      while (i < sql.length) {
        if (sql[i] === '\\') { i += 2; continue; }
        if (sql[i] === "'") { if (sql[i + 1] === "'") { i += 2; continue; } break; }
        i++;
      }
      i++;
      out += " '' ";
    } else if (c === '`' || c === '"') {
      let name = '';
      i++;
      while (i < sql.length) {
        if (sql[i] === '\\') { name += sql[i + 1] || ''; i += 2; continue; }
        if (sql[i] === c) { if (sql[i + 1] === c) { name += c; i += 2; continue; } break; }
        name += sql[i];
        i++;
      }
      i++;
      out += ' ' + name + ' ';
    } else if (c === '-' && n === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += ' ';
    } else if (c === '/' && n === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function refuseFileAccess(sql) {
  const words = sqlWords(sql);
  for (const pattern of FILE_ACCESS) {
    const m = pattern.exec(words);
    if (m) {
      throw { code: 497, text: 'Code: 497. DB::Exception: the embedded engine does not run SQL that reads or'
        + " writes files or the network ('" + m[0].trim() + "'). (ACCESS_DENIED)" };
    }
  }
}

// The password a client sent, as the official clients send it: Basic auth, X-ClickHouse-Key, or
// the password parameter.
function passwordOf(req, url) {
  const auth = req.headers.authorization || '';
  if (/^Basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? '' : decoded.slice(colon + 1);
  }
  return req.headers['x-clickhouse-key'] || url.searchParams.get('password') || '';
}

function authorized(req, url) {
  const given = Buffer.from(passwordOf(req, url), 'utf8');
  return given.length === secret.length && crypto.timingSafeEqual(given, secret);
}

function exceptionCode(message) {
  const m = /Code: (\d+)\./.exec(message);
  return m ? Number(m[1]) : 1002;
}

function clickhouseError(message) {
  const text = message.replace(/^Query failed: /, '');
  return { code: exceptionCode(text), text: text.startsWith('Code:') ? text : 'Code: 1002. DB::Exception: ' + text };
}

function quoteSetting(v) {
  return /^-?\d+(\.\d+)?$/.test(v) ? v : "'" + v.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

async function run(req, url, body) {
  const params = url.searchParams;
  let sql = params.get('query') || '';
  const bodyIsData = sql.length > 0 && INSERT_FORMAT.test(sql) && body.length > 0;
  if (!bodyIsData) sql = sql + (sql && body.length ? '\n' : '') + body.toString('utf8');
  if (!sql.trim()) throw { code: 62, text: 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)' };
  refuseFileAccess(sql); // the client's SQL, before the front adds its own FROM INFILE

  const database = req.headers['x-clickhouse-database'] || params.get('database') || 'default';
  if (database !== currentDb) {
    session.query('USE `' + database.replace(/`/g, '') + '`', 'TSV');
    currentDb = database;
  }
  const settings = [];
  for (const k of params.keys()) refuseFileAccess('SET ' + k); // settings naming schema files
  for (const [k, v] of params) {
    if (CONTROL.has(k) || k.startsWith('param_')) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    settings.push(k);
    session.query('SET ' + k + ' = ' + quoteSetting(v), 'TSV');
  }
  const bind = {};
  let hasBind = false;
  for (const [k, v] of params) {
    if (k.startsWith('param_')) { bind[k.slice(6)] = v; hasBind = true; }
  }
  const format = req.headers['x-clickhouse-format'] || params.get('default_format') || 'TabSeparated';
  let file = null;
  try {
    if (bodyIsData) {
      const m = INSERT_FORMAT.exec(sql);
      file = path.join(tmpDir, crypto.randomUUID() + '.bin');
      fs.writeFileSync(file, body);
      sql = 'INSERT INTO ' + m[1] + " FROM INFILE '" + file + "' FORMAT " + m[2];
    }
    const started = process.hrtime.bigint();
    const result = hasBind
      ? await session.queryBindAsync(sql, bind, { format })
      : await session.queryAsync(sql, { format });
    const bytes = Buffer.from(result.bytes());
    return {
      format, bytes,
      summary: {
        read_rows: String(result.rowsRead || 0), read_bytes: String(result.bytesRead || 0),
        written_rows: '0', written_bytes: '0', total_rows_to_read: '0', result_rows: '0',
        result_bytes: String(bytes.length), elapsed_ns: String(process.hrtime.bigint() - started),
      },
    };
  } finally {
    if (file) fs.rm(file, () => {});
    for (const k of settings) {
      try { session.query('SET ' + k + ' = DEFAULT', 'TSV'); } catch (e) { /* setting reset best effort */ }
    }
  }
}

function respondError(res, err, queryId) {
  const e = err && err.code !== undefined && err.text ? err : clickhouseError(String(err && err.message || err));
  const status = e.code === 516 || e.code === 497 ? 403 : e.code === 60 || e.code === 81 ? 404
    : e.code === 62 ? 400 : 500;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(e.code),
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Server-Display-Name': 'costtrace-chdb',
  });
  res.end(e.text.endsWith('\n') ? e.text : e.text + '\n');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
    return res.end('Ok.\n');
  }
  if (!authorized(req, url)) {
    // Refused before its body is read or anything runs.
    res.setHeader('Connection', 'close');
    return respondError(res, { code: 516, text: 'Code: 516. DB::Exception: ' + USER_NAME
      + ': Authentication failed: password is incorrect. (AUTHENTICATION_FAILED)' },
      url.searchParams.get('query_id') || crypto.randomUUID());
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    const queryId = url.searchParams.get('query_id') || crypto.randomUUID();
    try {
      const enc = (req.headers['content-encoding'] || '').toLowerCase();
      if (enc === 'gzip') body = zlib.gunzipSync(body);
      else if (enc === 'deflate') body = zlib.inflateSync(body);
      else if (url.searchParams.get('decompress') === '1') {
        throw { code: 1002, text: 'Code: 1002. DB::Exception: ClickHouse LZ4 request compression is not supported by the embedded engine; send uncompressed or gzip bodies.' };
      }
    } catch (e) {
      return respondError(res, e, queryId);
    }
    queue = queue.then(() => run(req, url, body)).then((out) => {
      const headers = {
        'Content-Type': 'application/octet-stream',
        'X-ClickHouse-Format': out.format,
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Timezone': 'UTC',
        'X-ClickHouse-Server-Display-Name': 'costtrace-chdb',
        'X-ClickHouse-Summary': JSON.stringify(out.summary),
      };
      let payload = out.bytes;
      if (url.searchParams.get('compress') === '1' || url.searchParams.get('enable_http_compression') === '1') {
        payload = zlib.gzipSync(payload, { level: 1 });
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Length'] = payload.length;
      res.writeHead(200, headers);
      res.end(payload);
    }, (err) => respondError(res, err, queryId));
  });
});

function writeOwnerOnly(file, content) {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // mode applies only when the file is created
}

function shutdown() {
  try { fs.rmSync(stateFile, { force: true }); } catch (e) { /* already gone */ }
  try { fs.rmSync(secretFile, { force: true }); } catch (e) { /* already gone */ }
  try { fs.rmSync(tmpDir, { recursive: true, force: true }); } catch (e) { /* best effort */ }
  try { session.cleanup(); } catch (e) { /* closing anyway */ }
  process.exit(0);
}

server.listen(Number(args.port || 0), '127.0.0.1', () => {
  const port = server.address().port;
  writeOwnerOnly(secretFile, secret); // before the state file: whoever finds the state finds it
  writeOwnerOnly(stateFile, JSON.stringify({ pid: process.pid, port, dataDir }));
  process.stdout.write('LISTENING ' + port + '\n');
});
// Exit with the parent: it holds our stdin open for as long as it lives.
if (args.watchStdin !== 'false') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
