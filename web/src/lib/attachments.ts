import type { AttachmentList, AttachmentView } from '../../../src/modules/reports/attachment.schemas';
import { ApiError, csrfToken } from '../api/client';

/**
 * Files of a report. Uploads send the file itself as the request body (the API's upload route), through
 * XMLHttpRequest because fetch cannot report upload progress. Downloads always come from the API's
 * download-only route (Content-Disposition: attachment, sandbox CSP).
 */
export type Attachment = AttachmentView;
export type Attachments = AttachmentList;

export const attachmentsPath = (reportId: string) => `/api/v1/reports/${encodeURIComponent(reportId)}/attachments`;
export const attachmentPath = (reportId: string, attachmentId: string) => `${attachmentsPath(reportId)}/${encodeURIComponent(attachmentId)}`;

function errorOf(status: number, text: string): ApiError {
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (error?.code) return new ApiError(status, error.code, error.message ?? `The server answered ${status}.`);
  } catch {
    // not JSON
  }
  return new ApiError(status, 'HTTP_ERROR', `The server answered ${status}.`);
}

/**
 * Adds one file to the report: with the reporter's token, or with the team's session cookie and the
 * CSRF header. The server decides the stored type from the file's bytes; an unknown browser type is
 * sent as application/octet-stream ("let the server tell").
 */
export function uploadAttachment(reportId: string, file: Blob, filename: string, options: { token?: string | undefined; onProgress?: (fraction: number) => void } = {}): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', attachmentsPath(reportId));
    request.setRequestHeader('accept', 'application/json');
    request.setRequestHeader('content-type', file.type || 'application/octet-stream');
    request.setRequestHeader('x-filename', encodeURIComponent(filename));
    if (options.token) request.setRequestHeader('authorization', `Bearer ${options.token}`);
    const csrf = csrfToken();
    if (csrf) request.setRequestHeader('x-csrf-token', csrf);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status === 201) {
        options.onProgress?.(1);
        resolve(JSON.parse(request.responseText) as Attachment);
      } else {
        reject(errorOf(request.status, request.responseText));
      }
    };
    request.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.'));
    request.send(file);
  });
}

/**
 * Downloads a file with the reporter's token, which lives in the page's fragment and so cannot go into
 * a plain link: fetched, then saved through a temporary object URL. The blob is typed
 * application/octet-stream, so a browser can only save it, never display it.
 */
export async function downloadWithToken(reportId: string, attachment: Attachment, token: string): Promise<void> {
  const response = await fetch(attachmentPath(reportId, attachment.id), { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' });
  if (!response.ok) throw errorOf(response.status, await response.text());
  const blob = new Blob([await response.arrayBuffer()], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = attachment.filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const TYPE_NAMES: Record<string, string> = { 'text/plain': 'text', 'application/pdf': 'PDF', 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'application/zip': 'ZIP' };

/** "text, PDF, PNG, JPEG or ZIP", from the types the server published. */
export function typeNames(types: string[]): string {
  const names = types.map((type) => TYPE_NAMES[type] ?? type);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : (names[0] ?? '');
}
