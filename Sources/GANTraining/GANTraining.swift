// GANTraining: the one training loop every family's trainer plugs into (`TrainingLoop`, `LoopedTraining`), with
// its stop flag and signals, loss log and loss curve. It sees GANCore and GANImageIO; the families see it.
