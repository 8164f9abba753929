import * as sg from '@simplegrad/core';
import { Linear, Module, Sequential, ReLU, init } from '@simplegrad/nn';
class Log extends Module { forward(x: sg.Tensor) { return x.log(); } }
class Sqrt extends Module { forward(x: sg.Tensor) { return x.sqrt(); } }
class Net extends Module { features = new Sequential(new Linear(2, 2), new ReLU(), new Log()); head = new Sqrt(); forward(x: sg.Tensor) { return this.head.forward(this.features.forward(x)); } }
const net = new Net();
init.constant_(net.features.at(0).weight, 0.5);
init.constant_(net.features.at(0).bias!, 0);
const out = sg.detectAnomaly(() => net.forward(sg.tensor([[1, 1]])));
init.zeros_(net.features.at(0).weight);
try { out.sum().backward(); } catch (e) { console.log((e as Error).message); }
const inner = new Log();
class Holder extends Module { seq = new Sequential(new Sequential(inner)); forward(x: sg.Tensor) { return inner.forward(x); } }
try { sg.detectAnomaly(() => new Holder().forward(sg.tensor([1, -3]))); } catch (e) { console.log((e as Error).message); }
