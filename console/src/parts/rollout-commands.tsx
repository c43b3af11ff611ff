/**
 * A rollout's operator commands (POST /rollouts/:id/{pause,resume,advance,rollback}): each asks for a reason and a
 * confirmation before it is sent, and shows the endpoint's answer as it came (202: logged, the step follows once the
 * job has read it; 409: the status does not allow it now). They are enabled only for a token of the operator role or
 * above; a viewer sees them disabled with why. The endpoint checks the role itself: this only spares a 403.
 */
import { useState } from 'preact/hooks';
import { postJson, type PostAnswer } from '../api.js';
import { mayOperate, useCallerAccess } from './caller-access.js';

const COMMANDS = {
  pause: 'stop automatic advances (harm still rolls it back)',
  resume: 'let the guardrails advance it again',
  advance: 'move to the next share of the schedule, whatever the evidence',
  rollback: 'set the treated share to 0 for good',
} as const;
type Command = keyof typeof COMMANDS;

function Answer({ command, answer }: { command: Command; answer: PostAnswer }) {
  const accepted = answer.status === 202;
  const id = (answer.body.command as { id?: string } | undefined)?.id;
  return (
    <p class={accepted ? 'accepted' : 'refused'} data-testid="command-answer" data-status={answer.status}>
      {command}: {answer.status} {accepted ? `accepted as command ${id}; the step appears below once the job has read it.` : (answer.body.message ?? '')}
    </p>
  );
}

export function RolloutCommands({ rollout }: { rollout: string }) {
  const caller = useCallerAccess();
  const [asking, setAsking] = useState<Command | null>(null);
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState(false);
  const [answer, setAnswer] = useState<{ command: Command; answer: PostAnswer } | null>(null);
  const allowed = caller !== null && mayOperate(caller);
  const why = caller === null ? 'reading your role…' : allowed ? '' : `token '${caller.name}' has role ${caller.role}; the commands need operator or admin`;

  const send = async (command: Command) => {
    setSending(true);
    const result = await postJson(`rollouts/${encodeURIComponent(rollout)}/${command}`, { reason: reason.trim() });
    setSending(false);
    setAnswer({ command, answer: result });
    setAsking(null);
    setReason('');
  };

  return (
    <section data-testid="rollout-commands">
      <h2>Commands</h2>
      <p class="commands">
        {(Object.keys(COMMANDS) as Command[]).map((c) => (
          <button key={c} type="button" data-command={c} disabled={!allowed || sending} title={allowed ? COMMANDS[c] : why} onClick={() => (setAsking(c), setAnswer(null))}>
            {c}
          </button>
        ))}
      </p>
      {!allowed && caller !== null && (
        <p class="note" data-testid="commands-disabled">
          Disabled: {why}.
        </p>
      )}
      {asking && (
        <form
          class="confirm"
          data-testid="confirm-command"
          onSubmit={(e) => {
            e.preventDefault();
            void send(asking);
          }}
        >
          <p>
            <strong>{asking}</strong> rollout {rollout}: {COMMANDS[asking]}. The reason is kept with the step.
          </p>
          <label>
            reason <input name="reason" required maxLength={1000} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit" disabled={reason.trim() === '' || sending}>
            confirm {asking}
          </button>{' '}
          <button type="button" onClick={() => setAsking(null)}>
            cancel
          </button>
        </form>
      )}
      {answer && <Answer command={answer.command} answer={answer.answer} />}
    </section>
  );
}
