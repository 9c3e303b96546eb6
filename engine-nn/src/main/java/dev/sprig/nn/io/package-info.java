/** Model files: safetensors reading and (atomic) writing, and the small JSON codec their headers need. */
package dev.sprig.nn.io;
