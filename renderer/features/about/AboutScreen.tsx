import { useId } from 'react';
import { LOG_LEVELS, type Installation } from '../../../common/ipc/installation-contract.ts';
import { useInstallation, useSetLogLevel } from '../../queries/installation.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { Time } from '../../ui/Time.tsx';
import {
  MACHINE_ORIGINS,
  platformWords,
  SETTING_LABELS,
  settingValueWords,
  ORIGIN_WORDS,
  SCOPE_WORDS,
  SOURCE_STATE_WORDS,
  UPDATE_STATE_WORDS,
} from './about-words.ts';
import { updateWords } from './update-words.ts';
import './about.css';

/** Version, platform and how this copy was installed. */
function ThisCopy({ about }: { about: Installation }) {
  return (
    <section className="card" aria-labelledby="about-copy">
      <h3 id="about-copy">This copy</h3>
      <dl className="about-facts">
        <dt>Version</dt>
        <dd>{about.version}</dd>
        <dt>Platform</dt>
        <dd>{platformWords(about)}</dd>
        <dt>Installed</dt>
        <dd>
          {SCOPE_WORDS[about.install.scope]} · {about.install.kind}
        </dd>
        <dt>Location</dt>
        <dd className="about-path">{about.install.location}</dd>
        {about.minimumVersion && (
          <>
            <dt>Minimum version</dt>
            <dd>
              {about.minimumVersion.required}
              {about.minimumVersion.blocked ? ' — this copy is older' : ''}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** The updates' state, in words, with what to do; `onRefresh` reads it again now. */
export function UpdateStatus({
  updates,
  onRefresh,
}: {
  updates: Installation['updates'];
  onRefresh?: () => void;
}) {
  return (
    <section className="card" aria-labelledby="about-updates">
      <div className="about-head">
        <h3 id="about-updates">Updates</h3>
        {onRefresh && (
          <button type="button" onClick={onRefresh}>
            Refresh
          </button>
        )}
      </div>
      <p role="status">
        <strong>{UPDATE_STATE_WORDS[updates.state]}</strong>
        {updates.available && <> · version {updates.available}</>}
      </p>
      <p>{updateWords(updates)}</p>
      {updates.checkedAt !== null && (
        <p className="muted">
          Last checked <Time at={updates.checkedAt} />
        </p>
      )}
    </section>
  );
}

/** Every managed setting, its value and who set it (read-only). */
function Settings({ about }: { about: Installation }) {
  return (
    <section className="card" aria-labelledby="about-settings">
      <h3 id="about-settings">Settings</h3>
      <p className="muted">
        Machine policy comes first, then the configuration file, then your own settings.
      </p>
      <table>
        <caption className="visually-hidden">Settings and where each comes from</caption>
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Value</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          {about.settings.map((s) => (
            <tr key={s.key}>
              <th scope="row">{SETTING_LABELS[s.key]}</th>
              <td className="about-value">{settingValueWords(s.key, about.values)}</td>
              <td>{ORIGIN_WORDS[s.origin]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Sources({ about }: { about: Installation }) {
  return (
    <section className="card" aria-labelledby="about-sources">
      <h3 id="about-sources">Where settings are read</h3>
      <ul className="about-sources">
        {about.sources.map((s) => (
          <li key={`${s.origin}-${s.location}`}>
            <strong>{ORIGIN_WORDS[s.origin]}</strong>: {SOURCE_STATE_WORDS[s.state]}
            <div className="about-path muted">{s.location}</div>
            {s.problem && <p className="about-problem">{s.problem}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Where the log is, its level, and the user's own choice when IT leaves it open. */
function Logs({ about }: { about: Installation }) {
  const id = useId();
  const setLevel = useSetLogLevel();
  const managed = MACHINE_ORIGINS.has(about.logs.levelOrigin);
  return (
    <section className="card" aria-labelledby="about-logs">
      <h3 id="about-logs">Log</h3>
      <dl className="about-facts">
        <dt>File</dt>
        <dd className="about-path">{about.logs.file}</dd>
      </dl>
      <label htmlFor={`${id}-level`}>Log detail</label>
      <select
        id={`${id}-level`}
        value={about.logs.level}
        disabled={managed || setLevel.isPending}
        aria-describedby={`${id}-level-help`}
        onChange={(event) => setLevel.mutate(event.target.value as Installation['logs']['level'])}
      >
        {LOG_LEVELS.map((level) => (
          <option key={level} value={level}>
            {level}
          </option>
        ))}
      </select>
      <p id={`${id}-level-help`} className="muted">
        {managed
          ? `Set by ${ORIGIN_WORDS[about.logs.levelOrigin].toLowerCase()}.`
          : 'Debug records every request (never a password, token, answer or link).'}
      </p>
      {setLevel.isError && <ErrorNotice error={setLevel.error} />}
    </section>
  );
}

/** About this installation (issue 17): what IT manages here, from where, and how updates stand. */
export function AboutScreen() {
  const query = useInstallation(10_000);
  if (query.isPending) return <Progress label="Reading this installation…" />;
  if (query.isError)
    return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  const about = query.data;
  return (
    <div className="about-screen">
      <h2>About this installation</h2>
      {about.problem && (
        <div className="notice notice-error" role="alert">
          <p className="notice-headline">Your organization’s settings were refused</p>
          <p>{about.problem}</p>
          <p>None of them apply until IT fixes this.</p>
        </div>
      )}
      <ThisCopy about={about} />
      <UpdateStatus updates={about.updates} onRefresh={() => void query.refetch()} />
      <Settings about={about} />
      <Sources about={about} />
      <Logs about={about} />
    </div>
  );
}
