import * as d from '@simplegrad/datasets';
import * as o from '@simplegrad/optim';
console.log(typeof d.DataLoader, typeof o.Adam);
