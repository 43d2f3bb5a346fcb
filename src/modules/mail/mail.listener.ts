import { readFileSync } from 'node:fs';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AppContext } from '../../context.js';
import { parseRecipient } from './addresses.js';
import { loadProjectKeys, type ProjectKeys } from './inbound.pgp.js';
import { isSenderOverLimit, receiveInboundMail } from './inbound.service.js';

/**
 * The built-in SMTP listener for email intake ({slug}@domain, {slug}+r-<token>@domain and each
 * project's security addresses). A message is answered 250 only once it is stored, so a crash or a
 * database failure makes the sending MTA retry rather than lose the report.
 */
export type MailListener = { port: number; close(): Promise<void> };
type Logger = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

const MAX_RECIPIENTS = 20;

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function readTls(keyFile: string, certFile: string) {
  return {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- named by the operator (EMBARGO_SMTP_TLS_KEY), never by a request
    key: readFileSync(keyFile),
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- named by the operator (EMBARGO_SMTP_TLS_CERT), never by a request
    cert: readFileSync(certFile),
  };
}

export async function startMailListener(context: AppContext, options: { port: number; host: string; keys: ProjectKeys; logger?: Logger }): Promise<MailListener> {
  const { config } = context;
  const tls = config.smtpTlsKey && config.smtpTlsCert ? readTls(config.smtpTlsKey, config.smtpTlsCert) : null;
  const serverOptions: SMTPServerOptions = {
    banner: 'Embargo security intake',
    size: config.mailMaxBytes,
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    maxClients: 100,
    ...(tls ?? {}),
    onMailFrom(address, _session, callback) {
      isSenderOverLimit(context, address.address)
        .then((over) => callback(over ? smtpError(450, '4.7.1 Too many messages from this sender; try again later') : null))
        .catch(() => callback(smtpError(451, '4.3.0 Temporary failure; try again later')));
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(smtpError(452, '4.5.3 Too many recipients'));
      if (!parseRecipient(config, context.policies, address.address)) return callback(smtpError(550, '5.1.1 No such mailbox here'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit the rest is read and dropped, not kept: an oversized message costs no memory.
        if (size <= config.mailMaxBytes) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > config.mailMaxBytes) return callback(smtpError(552, `5.3.4 Message too big: at most ${config.mailMaxBytes} bytes`));
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          remoteAddress: session.remoteAddress ?? null,
        };
        receiveInboundMail(context, { keys: options.keys }, raw, envelope)
          .then((outcomes) => {
            // No addresses and no contents in logs: only what became of the message.
            options.logger?.info({ outcomes: outcomes.map((o) => ({ project: o.project, kind: o.kind })), bytes: raw.length }, 'inbound mail');
            callback(null, 'Message accepted');
          })
          .catch((error: unknown) => {
            options.logger?.error({ err: error }, 'inbound mail could not be stored');
            callback(smtpError(451, '4.3.0 Temporary failure; try again later'));
          });
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', (error) => options.logger?.warn({ err: error }, 'SMTP listener error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What src/main.ts starts when EMBARGO_SMTP_PORT is set: project keys from config, then the listener. */
export async function startMailIntake(context: AppContext, logger: Logger): Promise<MailListener> {
  if (!context.config.smtpTlsKey !== !context.config.smtpTlsCert) {
    throw new Error('set both EMBARGO_SMTP_TLS_KEY and EMBARGO_SMTP_TLS_CERT for STARTTLS, or neither');
  }
  const keys = await loadProjectKeys(context.config.pgpPrivateKeys);
  for (const slug of keys.keys()) {
    if (!context.policies.findProject(slug)) logger.warn({ project: slug }, 'EMBARGO_PGP_PRIVATE_KEYS names a project the policy does not have');
  }
  const listener = await startMailListener(context, { port: context.config.smtpPort ?? 2525, host: context.config.smtpHost, keys, logger });
  logger.info({ port: listener.port, host: context.config.smtpHost, domain: context.config.mailDomain }, 'SMTP intake listening');
  return listener;
}
