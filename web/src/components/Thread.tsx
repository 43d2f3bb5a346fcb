import { useState, type FormEvent } from 'react';
import type { Message } from '../api/types';
import { formatDateTime } from '../lib/format';
import { ErrorNotice } from './Notice';

const AUTHOR: Record<Message['author'], string> = { reporter: 'Reporter', team: 'Security team', system: 'Embargo' };

export function Thread({ messages, viewer }: { messages: Message[]; viewer: 'reporter' | 'team' }) {
  if (messages.length === 0) return <p>No messages yet.</p>;
  return (
    <ol className="thread">
      {messages.map((message) => {
        const who = viewer === 'reporter' && message.author === 'reporter' ? 'You' : message.author === 'team' && message.authorName ? `${message.authorName} (team)` : AUTHOR[message.author];
        return (
          <li key={message.id} className={`message message--${message.author}${message.internal ? ' message--internal' : ''}`}>
            <p className="message__meta">
              <strong>{who}</strong>
              {message.internal ? <span className="badge badge--internal">Internal note</span> : null}
              <time dateTime={message.createdAt}>{formatDateTime(message.createdAt)}</time>
            </p>
            <div className="message__body prewrap">{message.body}</div>
          </li>
        );
      })}
    </ol>
  );
}

type ReplyProps = { onSend: (body: string, internal: boolean) => Promise<void>; allowInternal?: boolean; label?: string };

export function ReplyBox({ onSend, allowInternal = false, label = 'Your message' }: ReplyProps) {
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(false);
  const [state, setState] = useState<{ sending: boolean; error: unknown; sent: boolean }>({ sending: false, error: null, sent: false });
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!body.trim()) {
      setState({ sending: false, error: new Error('Write a message first: it must not be empty.'), sent: false });
      return;
    }
    setState({ sending: true, error: null, sent: false });
    try {
      await onSend(body, internal);
      setBody('');
      setState({ sending: false, error: null, sent: true });
    } catch (error) {
      setState({ sending: false, error, sent: false });
    }
  }
  return (
    <form className="reply" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="reply-body" className="field__label">
          {label}
        </label>
        <textarea id="reply-body" name="body" rows={5} value={body} onChange={(event) => setBody(event.target.value)} />
      </div>
      {allowInternal ? (
        <div className="checkbox">
          <input id="reply-internal" type="checkbox" checked={internal} onChange={(event) => setInternal(event.target.checked)} />
          <label htmlFor="reply-internal">Internal note (the reporter does not see it)</label>
        </div>
      ) : null}
      <ErrorNotice error={state.error} />
      {state.sent ? (
        <p className="notice notice--success" role="status">
          Sent.
        </p>
      ) : null}
      <button type="submit" className="button button--primary" disabled={state.sending}>
        {state.sending ? 'Sending…' : internal ? 'Add internal note' : 'Send message'}
      </button>
    </form>
  );
}
