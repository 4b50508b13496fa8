/** The list of CLI commands, in the order `samebike --help` shows them. */
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { demoDataCommand } from './demo-data.js';
import { embedCommand } from './embed.js';
import { evaluateCommand } from './evaluate.js';
import { groupCommand } from './group.js';
import { indexAddCommand } from './index-add.js';
import { indexInfoCommand } from './index-info.js';
import { indexRemoveCommand } from './index-remove.js';
import { searchCommand } from './search.js';
import { trainCommand } from './train.js';

export const commands: Command[] = [
  demoCommand,
  demoDataCommand,
  embedCommand,
  trainCommand,
  evaluateCommand,
  indexAddCommand,
  indexRemoveCommand,
  indexInfoCommand,
  searchCommand,
  groupCommand,
];
