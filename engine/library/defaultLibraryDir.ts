/**
 * Where the library lives when nobody says: $INFLLM_HOME, else the platform's per-user data
 * folder (Linux: $XDG_DATA_HOME or ~/.local/share; macOS: ~/Library/Application Support;
 * Windows: %APPDATA%) + "infllm-reader".
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Folder name of the app inside the platform data folder. */
export const APP_DIR_NAME = 'infllm-reader';

/** The default library folder for an environment and platform (defaults: this process's). */
export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.INFLLM_HOME) return env.INFLLM_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(xdg, APP_DIR_NAME);
}
