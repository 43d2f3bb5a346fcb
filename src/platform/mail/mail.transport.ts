import nodemailer from 'nodemailer';

export type Envelope = { from: string; to: string[] };

/** Where composed messages go: an SMTP relay in production; tests may capture them instead. */
export interface MailTransport {
  send(envelope: Envelope, raw: Buffer): Promise<void>;
  close(): void;
}

/**
 * A failed send. `permanent` means retrying cannot help (the relay answered 5xx for this message);
 * anything else (refused connection, timeout, 4xx) is worth another try later.
 */
export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export function classifySendError(error: unknown): MailSendError {
  const err = error as { responseCode?: number; code?: string; message?: string };
  const code = typeof err.responseCode === 'number' ? err.responseCode : null;
  const permanent = code !== null && code >= 500 && code < 600;
  // Relay answers can quote addresses; keep the code and a short reason only.
  const reason = code !== null ? `SMTP ${code}` : (err.code ?? 'error');
  return new MailSendError(`${reason}: ${(err.message ?? String(error)).slice(0, 200)}`, permanent);
}

/** nodemailer over the relay named by EMBARGO_SMTP_URL; one connection per message keeps failures independent. */
export function createSmtpTransport(url: string, options: { connectionTimeoutMs?: number } = {}): MailTransport {
  const timeout = options.connectionTimeoutMs ?? 15_000;
  const transporter = nodemailer.createTransport({ url, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: 60_000 });
  return {
    async send(envelope, raw) {
      try {
        await transporter.sendMail({ envelope, raw });
      } catch (error) {
        throw classifySendError(error);
      }
    },
    close: () => transporter.close(),
  };
}
