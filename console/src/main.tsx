/**
 * The console's shell: navigation between its pages by the URL's hash (so the endpoint serves one page at one URL,
 * also under a path prefix), and the token form, shown when the endpoint refuses a request for want of a token.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { onUnauthorized, token } from './api.js';
import { ApiPage } from './pages/api-docs.js';
import { ExperimentList, ExperimentPage } from './pages/experiments.js';
import { JobPage } from './pages/job.js';
import { ModelsPage } from './pages/models.js';
import { RolloutList, RolloutPage } from './pages/rollouts.js';
import { RulesPage } from './pages/rules.js';

const useHash = (): string => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
};

function TokenForm({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token"
      data-testid="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        onDone();
      }}
    >
      <label>
        This endpoint needs a token: <input type="password" name="token" autocomplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">use it</button>
    </form>
  );
}

function Page({ hash }: { hash: string }) {
  const [, section, id] = hash.replace(/^#\/?/, '/').split('/');
  if (section === 'experiments') return id ? <ExperimentPage id={decodeURIComponent(id)} /> : <ExperimentList />;
  if (section === 'models') return <ModelsPage />;
  if (section === 'rollouts') return id ? <RolloutPage id={decodeURIComponent(id)} /> : <RolloutList />;
  if (section === 'rules') return <RulesPage />;
  if (section === 'api') return <ApiPage />;
  return <JobPage />;
}

function Console() {
  const hash = useHash();
  const [askToken, setAskToken] = useState(false);
  // A new token remounts the pages, so each asks again with it.
  const [generation, setGeneration] = useState(0);
  useEffect(() => onUnauthorized(() => setAskToken(true)), []);
  const section = hash.replace(/^#\/?/, '').split('/')[0] || 'job';
  const link = (to: string, label: string) => (
    <a href={`#/${to}`} class={section === to ? 'current' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <h1>Flywheel</h1>
        <nav>
          {link('job', 'Job')}
          {link('experiments', 'Experiments')}
          {link('models', 'Models')}
          {link('rollouts', 'Rollouts')}
          {link('rules', 'Rules')}
          {link('api', 'API')}
        </nav>
        {token.get() && (
          <button type="button" class="signout" onClick={() => (token.clear(), setAskToken(true), setGeneration(generation + 1))}>
            forget token
          </button>
        )}
      </header>
      {askToken && <TokenForm onDone={() => (setAskToken(false), setGeneration(generation + 1))} />}
      <main key={generation}>
        <Page hash={hash} />
      </main>
    </>
  );
}

const root = document.getElementById('console')!;
// The page's "Loading" line goes: render() adds to what the element holds.
root.textContent = '';
render(<Console />, root);
