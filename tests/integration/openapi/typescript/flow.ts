// The core flow through the client @hey-api/openapi-ts generates from the API's document
// (./client, made by test_typescript_client.py beside ./settings.ts). Compiled with tsc
// --strict first: each typed access below fails to compile if an answer is typed `unknown`
// or `any`; then run with node against the live server, which checks the values.
import {
  completeUpload,
  createJob,
  downloadFile,
  downloadTranscript,
  getAccount,
  getJob,
  jobEvents,
  listJobs,
  login,
  presignUpload,
  register,
  uploadFile,
  type ErrorBody,
  type Job,
  type JobEventsResponse,
  type JobPage,
  type JobStatus,
} from './client';
import { createClient, createConfig } from './client/client';
import { BASE_URL } from './settings';

// Exact type equality, checked by the compiler: `assertType<Equals<A, B>>(true)`.
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(value: T): T {
  return value;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

// The event stream yields jobs: typed so by the document, not `unknown`.
assertType<Equals<JobEventsResponse, Job>>(true);

// A signed local-storage URL's object key (after /files/{upload|download}/) and its query.
function signed(url: string): { key: string; query: Record<string, string | number> } {
  const parsed = new URL(url);
  const key = decodeURIComponent(parsed.pathname.split('/').slice(3).join('/'));
  const query: Record<string, string | number> = {};
  parsed.searchParams.forEach((value, name) => {
    query[name] = /^\d+$/.test(value) ? Number(value) : value;
  });
  return { key, query };
}

async function main(): Promise<void> {
  const anonymous = createClient(createConfig({ baseUrl: BASE_URL }));
  const email = `ts-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.com`;
  const password = 'correct horse battery';

  // Sign up, log in.
  const account = await register({ client: anonymous, body: { email, password }, throwOnError: true });
  check(account.data.email === email, `registered as ${account.data.email}`);
  const token = await login({ client: anonymous, body: { email, password }, throwOnError: true });
  const accessToken: string = token.data.access_token;
  const user = createClient(createConfig({ baseUrl: BASE_URL, auth: () => accessToken }));
  const me = await getAccount({ client: user, throwOnError: true });
  check(me.data.id === account.data.id, 'GET /auth/me is the account registered');

  // A typed 400: a field that fails validation, our ErrorBody with the field named.
  const refused = await register({ client: anonymous, body: { email, password: 'short' } });
  check(refused.response.status === 400, `short password: ${refused.response.status}`);
  const problem: ErrorBody | undefined = refused.error;
  check(problem !== undefined && problem.status_code === 400, 'the 400 is an ErrorBody');
  const fields = Array.isArray(problem.extra) ? problem.extra.map((p) => p.key) : [];
  check(fields.includes('password'), `the 400 names the field: ${JSON.stringify(problem)}`);
  const tooMany = await listJobs({ client: user, query: { limit: 1000 } });
  check(tooMany.response.status === 400 && tooMany.error?.detail, 'limit=1000 is a typed 400');

  // Presign, upload the bytes to the signed URL (no token), complete.
  const content = new TextEncoder().encode('A: Hello from TypeScript.\nB: Typed all the way.\n');
  const presigned = await presignUpload({
    client: user,
    body: { filename: 'talk.txt', size: content.byteLength, content_type: 'text/plain' },
    throwOnError: true,
  });
  const method: 'PUT' = presigned.data.method;
  check(method === 'PUT', 'presigned for PUT');
  const upload = signed(presigned.data.upload_url);
  check(upload.key === presigned.data.object_key, 'the URL names the object key');
  const stored = await uploadFile({
    client: anonymous,
    path: { object_key: upload.key },
    query: upload.query,
    body: new Blob([content]),
    throwOnError: true,
  });
  check(stored.data.size === content.byteLength, `stored ${stored.data.size} bytes`);
  const completed = await completeUpload({
    client: user,
    body: { object_key: upload.key },
    throwOnError: true,
  });
  check(completed.data.object_key === upload.key, 'the upload is complete');

  // Create a job, follow its events (each one a Job) to the end, get it, list it.
  const created = await createJob({
    client: user,
    body: { object_key: upload.key, language: 'en', mode: 'dialogue' },
    throwOnError: true,
  });
  const job: Job = created.data;
  const events = await jobEvents({ client: user, path: { job_id: job.id }, sseMaxRetryAttempts: 1 });
  const seen: JobStatus[] = [];
  for await (const event of events.stream) {
    const status: JobStatus = event.status;  // a Job, not unknown
    check(event.id === job.id, 'an event of this job');
    seen.push(status);
  }
  check(seen.at(-1) === 'completed', `events ended with ${seen.join(', ')}`);
  const got = await getJob({ client: user, path: { job_id: job.id }, throwOnError: true });
  check(got.data.status === 'completed' && got.data.engine === 'stub', JSON.stringify(got.data));
  const speakers: Record<string, string> = got.data.speaker_names;
  check(Object.keys(speakers).length === 0, 'no speaker named yet');
  const page = await listJobs({ client: user, query: { limit: 10 }, throwOnError: true });
  const jobs: JobPage = page.data;
  check(jobs.total === 1 && jobs.limit === 10 && jobs.offset === 0, JSON.stringify(jobs));
  check(jobs.items.map((listed) => listed.id).join() === job.id, 'the list is this job');

  // A 404: a job that is not there, as our ErrorBody.
  const missing = await getJob({
    client: user,
    path: { job_id: '00000000-0000-4000-8000-000000000000' },
  });
  check(missing.response.status === 404, `missing job: ${missing.response.status}`);
  check(missing.error?.status_code === 404, 'the 404 is an ErrorBody');
  // @ts-expect-error: an ErrorBody has no `status` (it says `status_code`): typed, not any.
  check(missing.error?.status === undefined, 'unreachable');

  // Download the transcript: a signed link, then its bytes through the generated method.
  const link = await downloadTranscript({
    client: user,
    path: { job_id: job.id },
    query: { format: 'txt' },
    throwOnError: true,
  });
  const download = signed(link.data.url);
  const file = await downloadFile({
    client: anonymous,
    path: { object_key: download.key },
    query: download.query,
    // The bytes come with the object's own type (text/plain for .txt), which the fetch
    // client would read as a string by itself; the document says bytes, so bytes it is.
    parseAs: 'blob',
    throwOnError: true,
  });
  const blob: Blob = file.data;
  const text = await blob.text();
  check(text.includes('Hello from TypeScript.') && text.includes('Typed all the way.'), text);
  console.log(JSON.stringify({ ok: true, events: seen, transcript: text }));
}

// A rejection left unhandled ends node with its stack and a non-zero status.
void main();
