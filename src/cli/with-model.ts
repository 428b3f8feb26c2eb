// Loads a model for one command and disposes of it afterwards, whatever happens.
import { loadModel, type LoadModelOptions, type Model } from '../model.js';

export async function withModel<T>(file: string, options: LoadModelOptions, use: (model: Model) => Promise<T>): Promise<T> {
  const model = await loadModel(file, options);
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}
