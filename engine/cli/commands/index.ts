/** Every `infllm` subcommand, in the order `infllm help` lists them. */
import type { CliCommand } from '../types.js';
import { extractCommand } from './extract.js';

export const commands: CliCommand[] = [extractCommand];
