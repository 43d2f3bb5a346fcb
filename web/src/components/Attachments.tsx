import { useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { attachmentPath, attachmentsPath, downloadWithToken, formatBytes, typeNames, uploadAttachment, type Attachment, type Attachments } from '../lib/attachments';
import { formatDateTime } from '../lib/format';
import { useApi } from '../lib/useApi';
import { ErrorNotice, errorText, Loading } from './Notice';

export type UploadItem = { key: number; name: string; size: number; state: 'waiting' | 'encrypting' | 'uploading' | 'done' | 'failed'; progress: number; error: string | null };
type RunOptions = { token?: string | undefined; maxBytes: number; /** Encrypt each file in the browser to these OpenPGP keys first. */ encryptTo?: string[] | undefined };

let nextKey = 1;

/** Uploads files one after the other (gentle on the rate limit), with each file's progress and outcome. */
export function useUploads() {
  const [items, setItems] = useState<UploadItem[]>([]);
  const update = (key: number, change: Partial<UploadItem>) => setItems((previous) => previous.map((item) => (item.key === key ? { ...item, ...change } : item)));

  async function run(reportId: string, files: File[], options: RunOptions): Promise<boolean> {
    const queued: UploadItem[] = files.map((file) => ({ key: nextKey++, name: file.name, size: file.size, state: 'waiting', progress: 0, error: null }));
    setItems(queued);
    let allDone = true;
    for (const [index, file] of files.entries()) {
      const { key } = queued[index]!;
      try {
        let body: Blob = file;
        let name = file.name;
        if (options.encryptTo && options.encryptTo.length > 0) {
          update(key, { state: 'encrypting' });
          const { encryptFile } = await import('../lib/pgp');
          body = new Blob([await encryptFile(new Uint8Array(await file.arrayBuffer()), file.name, options.encryptTo)], { type: 'text/plain' });
          name = `${file.name}.asc`;
        }
        if (body.size > options.maxBytes) {
          throw new Error(`It is ${formatBytes(body.size)}${options.encryptTo ? ' once encrypted' : ''}; files may be at most ${formatBytes(options.maxBytes)}.`);
        }
        update(key, { state: 'uploading', name, size: body.size });
        await uploadAttachment(reportId, body, name, { token: options.token, onProgress: (progress) => update(key, { progress }) });
        update(key, { state: 'done', progress: 1 });
      } catch (error) {
        allDone = false;
        update(key, { state: 'failed', error: errorText(error) });
      }
    }
    return allDone;
  }
  return { items, run };
}

const STATE_TEXT: Record<UploadItem['state'], string> = { waiting: 'Waiting', encrypting: 'Encrypting…', uploading: 'Uploading…', done: 'Attached', failed: 'Not attached' };

export function UploadProgress({ items }: { items: UploadItem[] }) {
  if (items.length === 0) return null;
  return (
    <ul className="plain-list" aria-label="File uploads" aria-live="polite">
      {items.map((item) => (
        <li key={item.key}>
          <strong className="break">{item.name}</strong> <span className="small muted">({formatBytes(item.size)})</span>{' '}
          {item.state === 'uploading' ? <progress max={1} value={item.progress} aria-label={`Uploading ${item.name}`} /> : null}{' '}
          <span className={item.state === 'failed' ? 'field__error' : item.state === 'done' ? 'badge badge--ok' : 'small'}>
            {item.state === 'uploading' ? `${Math.round(item.progress * 100)} %` : STATE_TEXT[item.state]}
            {item.error ? `: ${item.error}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Files chosen before there is a report to attach them to (the report form); nothing is sent here. */
export function FilePicker({ id, files, onChange, maxBytes, hint, error }: { id: string; files: File[]; onChange: (files: File[]) => void; maxBytes: number; hint: string; error?: string | undefined }) {
  const described = [`${id}-hint`, ...(error ? [`${id}-error`] : [])].join(' ');
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={id} className="field__label">
        Files<span className="field__optional"> (optional)</span>
      </label>
      <p className="field__hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error ? (
        <p className="field__error" id={`${id}-error`}>
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
      <input
        id={id}
        type="file"
        multiple
        aria-describedby={described}
        onChange={(event) => {
          const added = Array.from(event.target.files ?? []);
          event.target.value = '';
          onChange([...files, ...added]);
        }}
      />
      {files.length > 0 ? (
        <ul className="plain-list" aria-label="Files to attach">
          {files.map((file, index) => (
            <li key={`${index}:${file.name}`}>
              <span className="break">{file.name}</span> <span className={file.size > maxBytes ? 'field__error' : 'small muted'}>({formatBytes(file.size)}{file.size > maxBytes ? ', too large' : ''})</span>{' '}
              <button type="button" className="button button--link button--small" aria-label={`Remove ${file.name}`} onClick={() => onChange(files.filter((_, at) => at !== index))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function DownloadButton({ reportId, attachment, token, onError }: { reportId: string; attachment: Attachment; token: string; onError: (error: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="button button--link"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        onError(null);
        downloadWithToken(reportId, attachment, token).then(
          () => setBusy(false),
          (error: unknown) => {
            setBusy(false);
            onError(error);
          },
        );
      }}
    >
      {attachment.filename}
    </button>
  );
}

/**
 * The report's files: download links and, when the API allows it, a form to add more. The team's
 * session cookie makes plain links work; a reporter's token (in the page's fragment) cannot go into a
 * link, so their downloads are fetched and saved.
 */
export function AttachmentsPanel({ reportId, token, viewer }: { reportId: string; token?: string | undefined; viewer: 'reporter' | 'team' }) {
  const list = useApi(`attachments:${reportId}`, (signal) => api<Attachments>(attachmentsPath(reportId), { ...(token ? { token } : {}), signal }));
  const uploads = useUploads();
  const [chosen, setChosen] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);

  if (list.loading && !list.data) return <Loading what="the files" />;
  if (!list.data) return <ErrorNotice error={list.error} />;
  const { items, upload } = list.data;

  async function attach(event: FormEvent) {
    event.preventDefault();
    if (chosen.length === 0) return;
    setBusy(true);
    await uploads.run(reportId, chosen, { token, maxBytes: upload.maxBytes });
    setBusy(false);
    setChosen([]);
    if (input.current) input.current.value = '';
    list.reload();
  }

  const hint =
    `Up to ${formatBytes(upload.maxBytes)} each, ${upload.remaining} more for this report: ${typeNames(upload.types)} (zip anything else). ` +
    (viewer === 'team'
      ? 'The reporter sees the files the team adds.'
      : 'Files are stored encrypted on the server, but not end-to-end encrypted: encrypt a file yourself (for example with gpg) before adding it if the server must not be able to read it.');
  return (
    <>
      {items.length === 0 ? (
        <p>No files.</p>
      ) : (
        <ul className="plain-list" aria-label="Files of this report">
          {items.map((item) => (
            <li key={item.id}>
              {token ? (
                <DownloadButton reportId={reportId} attachment={item} token={token} onError={setDownloadError} />
              ) : (
                <a href={attachmentPath(reportId, item.id)} download={item.filename} className="break">
                  {item.filename}
                </a>
              )}{' '}
              <span className="small muted">
                {formatBytes(item.size)}, {typeNames([item.contentType])}, added {formatDateTime(item.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {viewer === 'team' && items.some((item) => item.filename.endsWith('.asc')) ? (
        <p className="small muted">Files ending in .asc may be encrypted to the project's OpenPGP key: decrypt them with your private key (for example gpg --decrypt).</p>
      ) : null}
      <ErrorNotice error={downloadError} title="The file could not be downloaded." />
      {upload.allowed ? (
        <form className="reply" onSubmit={attach} noValidate>
          <div className="field">
            <label htmlFor={`attach-${viewer}`} className="field__label">
              Add files
            </label>
            <p className="field__hint" id={`attach-${viewer}-hint`}>
              {hint}
            </p>
            <input ref={input} id={`attach-${viewer}`} type="file" multiple aria-describedby={`attach-${viewer}-hint`} onChange={(event) => setChosen(Array.from(event.target.files ?? []))} disabled={busy} />
          </div>
          <UploadProgress items={uploads.items} />
          <button type="submit" className="button" disabled={busy || chosen.length === 0}>
            {busy ? 'Attaching…' : chosen.length > 1 ? `Attach ${chosen.length} files` : 'Attach file'}
          </button>
        </form>
      ) : upload.refusedBecause === 'policy' ? (
        <p className="muted">This project's security policy does not accept attachments.</p>
      ) : upload.refusedBecause === 'limit' ? (
        <p className="muted">This report has as many files as it can keep ({upload.maxCount}).</p>
      ) : null}
    </>
  );
}
