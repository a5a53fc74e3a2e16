/** Every `infllm` subcommand, in the order `infllm help` lists them. */
import type { CliCommand } from '../types.js';
import { infoCommand } from './info.js';

export const commands: CliCommand[] = [infoCommand];
