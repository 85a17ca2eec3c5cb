import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import './styles';
import './app.css';
import { App } from './App';
import { UserProvider } from './auth/UserContext';
import { NoticesProvider } from './components/Notices';
import { OrgProvider } from './org/OrgContext';
import { ThemeProvider } from './ThemeProvider';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');

createRoot(root).render(
  <StrictMode>
    <ThemeProvider>
      <BrowserRouter>
        <NoticesProvider>
          <UserProvider>
            <OrgProvider>
              <App />
            </OrgProvider>
          </UserProvider>
        </NoticesProvider>
      </BrowserRouter>
    </ThemeProvider>
  </StrictMode>,
);
