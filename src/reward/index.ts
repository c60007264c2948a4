export * from './rewardModel.js';
